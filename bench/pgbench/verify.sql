-- bench/pgbench/verify.sql: the stale-answer check.  1% writes flip the
-- level of a hot grant and are followed, in the same session, by a check
-- of a user of that grant; the other 99% check a random hot pair.  Every
-- check records the C engine's answer between two SQL evaluations: one with
-- the statement's snapshot (taken before the engine call) and one with a
-- snapshot taken after it.  The engine reads what is committed when it
-- builds, so its answer must be one of the two; it is stale if both agree
-- and it differs.
\set r random(1, 100)
\if :r = 1
\set g random(1, :ngrants)
WITH w AS (UPDATE orgs.team_apps SET permission = CASE WHEN permission = 'model_trainer' THEN 'labeler_worker' ELSE 'model_trainer' END::orgs.team_permission FROM bench.hot_grants h WHERE h.g = :g AND team_apps.team_id = h.team_id AND team_apps.app_id = h.app_id RETURNING 1) INSERT INTO bench.write_log SELECT pg_backend_pid(), clock_timestamp(), :g FROM w;
INSERT INTO bench.verify_log SELECT pg_backend_pid(), clock_timestamp(), true, p.g, orgs.has_app_permission(p.user_id, p.app_id, 'models.view'), bench.sql_has_app_permission(p.user_id, p.app_id, 'models.view'), bench.sql_has_app_permission_now(p.user_id, p.app_id, 'models.view') FROM bench.hot_pairs p WHERE p.g = :g ORDER BY p.k LIMIT 1;
\else
\set k random(1, :nhot)
INSERT INTO bench.verify_log SELECT pg_backend_pid(), clock_timestamp(), false, p.g, orgs.has_app_permission(p.user_id, p.app_id, 'models.view'), bench.sql_has_app_permission(p.user_id, p.app_id, 'models.view'), bench.sql_has_app_permission_now(p.user_id, p.app_id, 'models.view') FROM bench.hot_pairs p WHERE p.k = :k;
\endif
