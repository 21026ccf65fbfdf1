-- bench/pgbench/mix_ours.sql: 99% reads (one point check of a random pair
-- of bench.pairs), 1% writes that flip the level of one hot team grant
-- (each write invalidates every session's permission cache).
-- ours: the read is the C check.
\set r random(1, 100)
\if :r = 1
\set g random(1, :ngrants)
UPDATE orgs.team_apps SET permission = CASE WHEN permission = 'model_trainer' THEN 'labeler_worker' ELSE 'model_trainer' END::orgs.team_permission FROM bench.hot_grants h WHERE h.g = :g AND team_apps.team_id = h.team_id AND team_apps.app_id = h.app_id;
\else
\set k random(1, :npairs)
SELECT orgs.has_app_permission(p.user_id, p.app_id, 'models.view') FROM bench.pairs p WHERE p.k = :k;
\endif
