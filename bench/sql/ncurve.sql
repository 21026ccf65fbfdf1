-- bench/sql/ncurve.sql: the N curve.  A protected table (orgs.protect_table,
-- so the policy is the form protect_table generates) whose rows belong to
-- the 10,000 apps of the cachefix org (bench/sql/fixtures.sql), scanned and
-- queried by users who see N = 10, 100, 1,000 and 10,000 of them (cache_t1,
-- cache_t10, cache_t100, cache_t1000: 10 grants per team), against the
-- floor (no row-level security) in the same run.
--
-- psql variables: scale, reps, warmup, n_rows.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET search_path = pg_catalog;

SELECT id AS cf_org FROM orgs.organizations WHERE org_id = 'cachefix' \gset

-- rows spread over the 10,000 apps, each app's rows over the whole table
CREATE TEMP TABLE nc_apps AS
SELECT row_number() OVER (ORDER BY id)::integer - 1 AS i, id FROM orgs.apps WHERE org_id = :cf_org;
CREATE TABLE bench.n_rows (
    id      bigserial PRIMARY KEY,
    app_id  bigint NOT NULL,
    payload text NOT NULL
);
INSERT INTO bench.n_rows (app_id, payload)
SELECT a.id, md5(g::text) || md5((g * 7)::text)
  FROM generate_series(0, :n_rows - 1) g
  JOIN nc_apps a ON a.i = (g::bigint * 7919) % 10000
 ORDER BY g;
CREATE INDEX n_rows_app_id_idx ON bench.n_rows (app_id);
VACUUM (FREEZE, ANALYZE) bench.n_rows;
SELECT orgs.protect_table('bench.n_rows', 'app_id', select_permission => 'models.view',
                          insert_permission => '', update_permission => '', delete_permission => '');
GRANT SELECT ON bench.n_rows TO bench_floor, bench_row;

-- the selective queries' apps: 100 of the 10,000, by a seeded hash, and
-- the first five (which every N sees)
CREATE TABLE bench.n_sel (app_id bigint PRIMARY KEY);
INSERT INTO bench.n_sel
SELECT id FROM nc_apps WHERE i < 5
UNION
(SELECT id FROM nc_apps WHERE i >= 5 ORDER BY hashint8extended(id, 71), id LIMIT 95);
ANALYZE bench.n_sel;
GRANT SELECT ON bench.n_sel TO bench_floor, bench_row;

INSERT INTO bench.facts VALUES
    (:'scale', 'N curve: protected table', :'n_rows' || ' rows over the 10,000 apps of one org'),
    (:'scale', 'N curve: policy', (SELECT 'USING (' || pg_get_expr(polqual, polrelid) || ')'
                                     FROM pg_policy WHERE polrelid = 'bench.n_rows'::regclass
                                      AND polname = 'pg_orgs_select'));

CREATE FUNCTION pg_temp.nplan(p_n integer, p_query text, p_variant text, p_role text, p_sql text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb;
BEGIN
    PERFORM set_config('enable_indexonlyscan', CASE WHEN p_query = 'full scan' THEN 'off' ELSE 'on' END, true);
    PERFORM set_config('role', p_role, true);
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_sql INTO j;
    PERFORM set_config('role', 'none', true);
    INSERT INTO bench.ncurve_plans
    SELECT current_setting('bench.scale'), p_n, p_query, p_variant,
           jsonb_path_exists(j, 'strict $.**."Index Name" ? (@ == "n_rows_app_id_idx")'),
           (SELECT string_agg(x #>> '{}', ' > ')
              FROM jsonb_path_query(j, 'strict $.**."Node Type"') x);
END;
$$;
SELECT set_config('bench.scale', :'scale', false);

CREATE FUNCTION pg_temp.curve(p_scale text, p_n integer, p_reps integer, p_warmup integer)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    h text := 'cache_t' || (p_n / 10);
    expected bigint;
    got text;
    n_all bigint;
    n_sel bigint;
    q_scan text := 'SELECT count(*) FROM bench.n_rows';
    q_filter text := 'SELECT count(*) FROM bench.n_rows WHERE app_id >= 0';
    q_sel text := 'SELECT sum((SELECT count(*) FROM bench.n_rows r WHERE r.app_id = s.app_id)) FROM bench.n_sel s';
    q_join text := 'SELECT count(*) FROM bench.n_sel s JOIN bench.n_rows r ON r.app_id = s.app_id';
BEGIN
    PERFORM orgs.act_as(h, false);
    IF (SELECT count(*) FROM bench.sql_apps_with_permission('models.view')) <> p_n THEN
        RAISE EXCEPTION 'bench: N curve: % sees % apps, not %', h,
            (SELECT count(*) FROM bench.sql_apps_with_permission('models.view')), p_n;
    END IF;
    -- correctness gate: the protected table shows exactly the rows of the
    -- apps the SQL baseline says the user may see
    SELECT count(*) INTO expected FROM bench.n_rows
     WHERE app_id IN (SELECT bench.sql_apps_with_permission('models.view'));
    PERFORM set_config('role', 'bench_row', true);
    SELECT count(*)::text INTO got FROM bench.n_rows;
    PERFORM set_config('role', 'none', true);
    IF got::bigint <> expected THEN
        RAISE EXCEPTION 'bench: N curve: % sees % rows under the policy, the SQL baseline %', h, got, expected;
    END IF;
    SELECT count(*) INTO n_all FROM bench.n_rows;
    SELECT count(*) INTO n_sel FROM bench.n_rows WHERE app_id IN (SELECT app_id FROM bench.n_sel);

    PERFORM set_config('enable_indexonlyscan', 'off', true);
    PERFORM bench.run(p_scale, 'ncurve full scan', n_all,
        ARRAY['(d) floor', '(e) floor, app_id >= 0', 'ours (protect_table)'],
        ARRAY['bench_floor', 'bench_floor', 'bench_row'],
        ARRAY[q_scan, q_filter, q_scan], p_reps, p_warmup,
        ARRAY['(d) floor', '(e) floor, app_id >= 0']);
    PERFORM set_config('enable_indexonlyscan', 'on', true);
    PERFORM bench.run(p_scale, 'ncurve selective', n_sel,
        ARRAY['(d) floor', 'ours (protect_table)'], ARRAY['bench_floor', 'bench_row'],
        ARRAY[q_sel, q_sel], p_reps, p_warmup, ARRAY['(d) floor']);
    PERFORM bench.run(p_scale, 'ncurve join', n_sel,
        ARRAY['(d) floor', 'ours (protect_table)'], ARRAY['bench_floor', 'bench_row'],
        ARRAY[q_join, q_join], p_reps, p_warmup, ARRAY['(d) floor']);
    -- the policy's results must be the same in every round, and the
    -- full scan's the gate's
    IF EXISTS (SELECT 1 FROM bench.results WHERE workload = 'ncurve full scan'
                  AND variant = 'ours (protect_table)' AND result <> got) THEN
        RAISE EXCEPTION 'bench: N curve: % full scan returned another count than the gate', h;
    END IF;
    IF (SELECT count(DISTINCT result) FROM bench.results
         WHERE workload IN ('ncurve selective', 'ncurve join') AND variant = 'ours (protect_table)') <> 1 THEN
        RAISE EXCEPTION 'bench: N curve: % selective and join queries disagree', h;
    END IF;
    INSERT INTO bench.ncurve
    SELECT scale, p_n, substr(workload, 8), variant, rep, ms, n, result
      FROM bench.results WHERE workload LIKE 'ncurve %';
    DELETE FROM bench.results WHERE workload LIKE 'ncurve %';

    PERFORM pg_temp.nplan(p_n, q, v, r, CASE q WHEN 'full scan' THEN q_scan WHEN 'selective' THEN q_sel ELSE q_join END)
       FROM (VALUES ('(d) floor', 'bench_floor'), ('ours (protect_table)', 'bench_row')) AS v(v, r)
      CROSS JOIN (VALUES ('full scan'), ('selective'), ('join')) AS q(q);
    PERFORM orgs.act_as(NULL, false);
END;
$$;

SELECT pg_temp.curve(:'scale', n, :reps, :warmup) FROM unnest(ARRAY[10, 100, 1000, 10000]) n;
