-- bench/sql/workloads.sql: correctness gate, point checks, policy scans
-- and the selective query, for one scale.
--
-- psql variables: scale (name), seed, reps, slow_reps (repetitions of the
-- per-row SQL and PL/pgSQL baselines, which are slow at the large scale),
-- warmup, slow_warmup, probe_per_role (users of each role in the correctness
-- gate).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET search_path = pg_catalog;

SELECT setseed(:seed);

-- every page all-visible and frozen: no hint-bit writes or per-tuple
-- visibility checks that depend on what ran before
VACUUM (FREEZE, ANALYZE) bench.resources;

--------------------------------------------------------------------------
-- Facts about the data
--------------------------------------------------------------------------
INSERT INTO bench.facts
SELECT :'scale', k, v FROM (VALUES
    ('orgs', (SELECT count(*) FROM orgs.organizations)::text),
    ('users', (SELECT count(*) FROM orgs.users)::text),
    ('memberships', (SELECT count(*) FROM orgs.members)::text),
    ('largest org (members)', (SELECT max(c) FROM (SELECT count(*) c FROM orgs.members GROUP BY org_id) s)::text),
    ('median org (members)', (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY c) FROM (SELECT count(*) c FROM orgs.members GROUP BY org_id) s)::text),
    ('teams', (SELECT count(*) FROM orgs.teams)::text),
    ('team memberships', (SELECT count(*) FROM orgs.team_members)::text),
    ('apps', (SELECT count(*) FROM orgs.apps)::text),
    ('personal apps', (SELECT count(*) FROM orgs.apps WHERE owner_user_id IS NOT NULL)::text),
    ('team grants', (SELECT count(*) FROM orgs.team_apps)::text),
    ('resource rows', (SELECT count(*) FROM bench.resources)::text),
    ('resource pages (all-visible)', (SELECT relpages || ' (' || relallvisible || ')' FROM pg_class
                                       WHERE oid = 'bench.resources'::regclass))) AS f(k, v);

--------------------------------------------------------------------------
-- The acting user of the policy workloads: an org_user of the largest
-- org who belongs to the most orgs (ties: the lowest key)
--------------------------------------------------------------------------
SELECT m.user_id AS scan_user, u.handle AS scan_handle
  FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id
 WHERE m.org_id = (SELECT org_id FROM orgs.members GROUP BY org_id ORDER BY count(*) DESC, org_id LIMIT 1)
   AND m.role = 'org_user'
 ORDER BY (SELECT count(*) FROM orgs.members x WHERE x.user_id = m.user_id) DESC, m.user_id
 LIMIT 1
\gset
INSERT INTO bench.facts VALUES
    (:'scale', 'policy user', :'scan_handle' || ' (' ||
        (SELECT string_agg(role::text, ', ' ORDER BY org_id) FROM orgs.members WHERE user_id = :scan_user)
        || '; ' || (SELECT count(*) FROM orgs.team_members WHERE user_id = :scan_user) || ' teams)');

--------------------------------------------------------------------------
-- Point-check pairs: 500 users that belong to an org; for each, 20 apps of
-- their orgs, up to 10 apps their teams hold, 10 apps drawn from all;
-- shuffled
--------------------------------------------------------------------------
CREATE TABLE bench.pairs (k integer PRIMARY KEY, user_id bigint NOT NULL, app_id bigint NOT NULL);
GRANT SELECT ON bench.pairs TO PUBLIC;
CREATE TEMP TABLE pair_users AS
SELECT id AS user_id FROM orgs.users
 WHERE EXISTS (SELECT 1 FROM orgs.members m WHERE m.user_id = users.id)
 ORDER BY hashint8extended(id, 17), id LIMIT 500;
SELECT max(id) AS max_app FROM orgs.apps \gset

INSERT INTO bench.pairs (k, user_id, app_id)
SELECT row_number() OVER (ORDER BY hashint8extended(user_id * 1000003 + app_id, 23), user_id, app_id),
       user_id, app_id
  FROM (SELECT p.user_id, x.id AS app_id
          FROM pair_users p
         CROSS JOIN LATERAL (SELECT a.id FROM orgs.members m JOIN orgs.apps a ON a.org_id = m.org_id
                              WHERE m.user_id = p.user_id
                              ORDER BY hashint8extended(a.id + p.user_id, 29), a.id LIMIT 20) x
        UNION ALL
        SELECT p.user_id, x.app_id
          FROM pair_users p
         CROSS JOIN LATERAL (SELECT ta.app_id FROM orgs.team_members tm
                               JOIN orgs.team_apps ta ON ta.team_id = tm.team_id
                              WHERE tm.user_id = p.user_id
                              ORDER BY hashint8extended(ta.app_id + p.user_id, 31), ta.app_id LIMIT 10) x
        UNION ALL
        SELECT p.user_id, 1 + (hashint8extended(p.user_id * 100 + g, 37) & 1048575) % :max_app
          FROM pair_users p CROSS JOIN generate_series(1, 10) g) s;
SELECT count(*) AS n_pairs FROM bench.pairs \gset
INSERT INTO bench.facts VALUES (:'scale', 'point-check pairs', :'n_pairs' || ' over 500 users');

--------------------------------------------------------------------------
-- Correctness gate (before any timing): every variant must agree
--------------------------------------------------------------------------
-- 1. point checks: the C check, (a) and (b) on every pair
SELECT count(*) AS pair_mismatches
  FROM bench.pairs p
 WHERE orgs.has_app_permission(p.user_id, p.app_id, 'models.view')
           IS DISTINCT FROM bench.sql_has_app_permission(p.user_id, p.app_id, 'models.view')
    OR bench.sql_has_app_permission(p.user_id, p.app_id, 'models.view')
           IS DISTINCT FROM bench.plpgsql_has_app_permission(p.user_id, p.app_id, 'models.view')
\gset
SELECT (:pair_mismatches = 0) AS ok \gset
\if :ok
\else
\echo 'bench: FAILED: the C check and the SQL baselines disagree on ' :pair_mismatches ' point-check pairs'
SELECT 1 / 0 AS "bench: point checks disagree";
\endif

-- 2. row-level security: for a sample of users (two per role, personal
-- app owners, the policy user), every policy lets the user see exactly the
-- same apps (bench.app_probe holds one row per app)
CREATE TEMP TABLE probe_users AS
SELECT DISTINCT user_id FROM (
    SELECT user_id FROM (SELECT m.user_id, row_number() OVER (PARTITION BY m.role
                                ORDER BY hashint8extended(m.user_id, 41), m.user_id) AS rn
                           FROM orgs.members m) s WHERE rn <= :probe_per_role
    UNION ALL
    (SELECT owner_user_id FROM orgs.apps WHERE owner_user_id IS NOT NULL ORDER BY id LIMIT 2)
    UNION ALL
    SELECT :scan_user) s;

CREATE FUNCTION pg_temp.probe(p_user bigint)
RETURNS TABLE(variant text, n bigint, digest text)
LANGUAGE plpgsql AS $$
DECLARE
    h text;
BEGIN
    SELECT handle INTO h FROM orgs.users WHERE id = p_user;
    PERFORM orgs.act_as(h, false);
    FOREACH variant IN ARRAY ARRAY['bench_a', 'bench_b', 'bench_c', 'bench_row', 'bench_set'] LOOP
        PERFORM set_config('role', variant, true);
        SELECT count(*), md5(coalesce(string_agg(app_id::text, ',' ORDER BY app_id), ''))
          INTO n, digest FROM bench.app_probe;
        PERFORM set_config('role', 'none', true);
        RETURN NEXT;
    END LOOP;
    PERFORM orgs.act_as(NULL, false);
END;
$$;

CREATE TEMP TABLE probe_results AS
SELECT p.user_id, r.* FROM probe_users p CROSS JOIN LATERAL pg_temp.probe(p.user_id) r;

SELECT count(*) AS probe_bad,
       string_agg(user_id::text, ', ') AS probe_bad_users
  FROM (SELECT user_id FROM probe_results GROUP BY user_id
        HAVING count(DISTINCT digest) > 1) s
\gset
SELECT (:probe_bad = 0) AS ok \gset
\if :ok
\else
\echo 'bench: FAILED: the policies disagree for users' :probe_bad_users
SELECT * FROM probe_results WHERE user_id IN (SELECT user_id FROM probe_results GROUP BY user_id HAVING count(DISTINCT digest) > 1) ORDER BY 1, 2;
SELECT 1 / 0 AS "bench: policies disagree";
\endif
INSERT INTO bench.facts
SELECT :'scale', 'correctness gate',
       format('%s point-check pairs agree (C, SQL, PL/pgSQL); %s users see the same apps under all 5 policies (%s to %s visible apps each)',
              :n_pairs, count(DISTINCT user_id), min(n), max(n))
  FROM probe_results;

--------------------------------------------------------------------------
-- Point checks: a batch of checks in one statement
--------------------------------------------------------------------------
-- a zero-row write on a model table: its statement trigger invalidates
-- every backend's whole permission cache (a row write of the other tables
-- invalidates only what the row affects), so the next check starts from
-- an empty cache
CREATE FUNCTION bench.cold_checks()
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    n bigint;
BEGIN
    UPDATE orgs.role_app_baseline SET permission = permission WHERE false;
    SELECT count(*) FILTER (WHERE orgs.has_app_permission(p.user_id, p.app_id, 'models.view'))
      INTO n FROM bench.pairs p;
    RETURN n;
END;
$$;

SELECT bench.run(:'scale', 'point checks', :n_pairs,
    ARRAY['(d) floor', '(a) SQL SECURITY DEFINER', '(b) PL/pgSQL SECURITY DEFINER',
          'ours, cached', 'ours, cold cache'],
    ARRAY['none', 'none', 'none', 'none', 'none'],
    ARRAY[$q$SELECT count(*) FILTER (WHERE p.app_id > 0) FROM bench.pairs p$q$,
          $q$SELECT count(*) FILTER (WHERE bench.sql_has_app_permission(p.user_id, p.app_id, 'models.view')) FROM bench.pairs p$q$,
          $q$SELECT count(*) FILTER (WHERE bench.plpgsql_has_app_permission(p.user_id, p.app_id, 'models.view')) FROM bench.pairs p$q$,
          $q$SELECT count(*) FILTER (WHERE orgs.has_app_permission(p.user_id, p.app_id, 'models.view')) FROM bench.pairs p$q$,
          $q$SELECT bench.cold_checks()$q$],
    :reps, :warmup,
    ARRAY['(a) SQL SECURITY DEFINER', '(b) PL/pgSQL SECURITY DEFINER', 'ours, cached', 'ours, cold cache']);

--------------------------------------------------------------------------
-- count(*) under each policy
--------------------------------------------------------------------------
SELECT orgs.act_as(:'scan_handle', false);
SELECT count(*) AS n_res FROM bench.resources \gset
-- every variant reads the heap, like a query that returns rows: without
-- this the floor could answer count(*) from the app_id index alone
SET enable_indexonlyscan = off;

-- (e): the floor with the cheapest built-in per-row filter (true for
-- every row), the real floor of any per-row predicate
SELECT bench.run(:'scale', 'count(*) scan', :n_res,
    ARRAY['(d) floor', '(e) floor, app_id >= 0', '(c) set-based SQL', 'ours, per row', 'ours, set-based'],
    ARRAY['bench_floor', 'bench_floor', 'bench_c', 'bench_row', 'bench_set'],
    ARRAY[$q$SELECT count(*) FROM bench.resources$q$,
          $q$SELECT count(*) FROM bench.resources WHERE app_id >= 0$q$,
          $q$SELECT count(*) FROM bench.resources$q$,
          $q$SELECT count(*) FROM bench.resources$q$,
          $q$SELECT count(*) FROM bench.resources$q$],
    :reps, :warmup,
    ARRAY['(c) set-based SQL', 'ours, per row', 'ours, set-based']);
SELECT result AS visible_rows FROM bench.results
 WHERE scale = :'scale' AND workload = 'count(*) scan' AND variant = 'ours, per row' LIMIT 1 \gset
SELECT bench.run(:'scale', 'count(*) scan', :n_res,
    ARRAY['(a) SQL SECURITY DEFINER', '(b) PL/pgSQL SECURITY DEFINER'],
    ARRAY['bench_a', 'bench_b'],
    ARRAY[$q$SELECT count(*) FROM bench.resources$q$,
          $q$SELECT count(*) FROM bench.resources$q$],
    :slow_reps, :slow_warmup);
SELECT count(*) AS scan_bad FROM bench.results
 WHERE scale = :'scale' AND workload = 'count(*) scan' AND variant LIKE '(_) %'
   AND variant NOT IN ('(d) floor', '(e) floor, app_id >= 0') AND result <> :'visible_rows' \gset
SELECT (:scan_bad = 0) AS ok \gset
\if :ok
\else
\echo 'bench: FAILED: the baselines'' count(*) differs from ours'
SELECT 1 / 0 AS "bench: scans disagree";
\endif
INSERT INTO bench.facts VALUES (:'scale', 'rows visible to the policy user', :'visible_rows' || ' of ' || :'n_res');
RESET enable_indexonlyscan;

--------------------------------------------------------------------------
-- Selective query: 200 apps (100 the policy user may see, 100 not), one
-- index look-up each, all in one statement
--------------------------------------------------------------------------
CREATE TABLE bench.sel_apps (app_id bigint PRIMARY KEY);
GRANT SELECT ON bench.sel_apps TO PUBLIC;
INSERT INTO bench.sel_apps
(SELECT a.id FROM orgs.apps a
  WHERE orgs.has_app_permission(:scan_user, a.id, 'models.view')
    AND EXISTS (SELECT 1 FROM bench.resources r WHERE r.app_id = a.id)
  ORDER BY hashint8extended(a.id, 43), a.id LIMIT 100)
UNION ALL
(SELECT a.id FROM orgs.apps a
  WHERE NOT orgs.has_app_permission(:scan_user, a.id, 'models.view')
    AND EXISTS (SELECT 1 FROM bench.resources r WHERE r.app_id = a.id)
  ORDER BY hashint8extended(a.id, 47), a.id LIMIT 100);
SELECT sum((SELECT count(*) FROM bench.resources r WHERE r.app_id = s.app_id)) AS sel_rows
  FROM bench.sel_apps s \gset

SELECT bench.run(:'scale', 'selective (200 index look-ups)', :sel_rows,
    ARRAY['(d) floor', '(a) SQL SECURITY DEFINER', '(b) PL/pgSQL SECURITY DEFINER',
          '(c) set-based SQL', 'ours, per row', 'ours, set-based'],
    ARRAY['bench_floor', 'bench_a', 'bench_b', 'bench_c', 'bench_row', 'bench_set'],
    array_fill($q$SELECT sum((SELECT count(*) FROM bench.resources r WHERE r.app_id = s.app_id)) FROM bench.sel_apps s$q$::text, ARRAY[6]),
    :reps, :warmup,
    ARRAY['(a) SQL SECURITY DEFINER', '(b) PL/pgSQL SECURITY DEFINER',
          '(c) set-based SQL', 'ours, per row', 'ours, set-based']);

--------------------------------------------------------------------------
-- Plans: does each form use the index on app_id?
--------------------------------------------------------------------------
SELECT app_id AS plan_app FROM bench.sel_apps ORDER BY app_id LIMIT 1 \gset
CREATE TABLE bench.plans (scale text, query text, variant text, uses_index boolean, nodes text);
CREATE FUNCTION pg_temp.plan(p_query text, p_variant text, p_role text, p_sql text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb;
BEGIN
    -- as in the timed runs: the count(*) scan without index-only scans
    PERFORM set_config('enable_indexonlyscan', CASE WHEN p_query = 'count(*)' THEN 'off' ELSE 'on' END, true);
    PERFORM set_config('role', p_role, true);
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_sql INTO j;
    PERFORM set_config('role', 'none', true);
    INSERT INTO bench.plans
    SELECT current_setting('bench.scale'), p_query, p_variant,
           jsonb_path_exists(j, 'strict $.**."Index Name" ? (@ == "resources_app_id_idx")'),
           (SELECT string_agg(x #>> '{}', ' > ')
              FROM jsonb_path_query(j, 'strict $.**."Node Type"') x);
END;
$$;
SELECT set_config('bench.scale', :'scale', false);
SELECT pg_temp.plan(q, v, r, s)
  FROM (VALUES ('(d) floor', 'bench_floor'), ('(a) SQL SECURITY DEFINER', 'bench_a'),
               ('(b) PL/pgSQL SECURITY DEFINER', 'bench_b'), ('(c) set-based SQL', 'bench_c'),
               ('ours, per row', 'bench_row'), ('ours, set-based', 'bench_set')) AS v(v, r)
 CROSS JOIN (VALUES ('WHERE app_id = const', 'SELECT count(*) FROM bench.resources WHERE app_id = ' || :plan_app),
                    ('count(*)', 'SELECT count(*) FROM bench.resources')) AS q(q, s);

SELECT orgs.act_as(NULL, false);
