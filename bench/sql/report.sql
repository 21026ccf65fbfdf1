-- bench/sql/report.sql: writes bench/out/report.md (Markdown) from the rpt
-- tables.  Run with psql -At; psql variables from run.sh: nproc, cpu, mem,
-- pgversion, rev, lib_md5, reps, scales, pgbench_secs, verify_secs, seed,
-- date, total_secs, traffic_secs, traffic_clients, traffic_scales,
-- ncurve_scale, ncurve_rows, load.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\pset footer off

-- formatting -------------------------------------------------------------
CREATE FUNCTION pg_temp.fms(ms double precision) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN ms IS NULL THEN '–'
            WHEN ms >= 1000 THEN to_char(ms, 'FM999,999,990') || ' ms'
            WHEN ms >= 100 THEN to_char(ms, 'FM990') || ' ms'
            WHEN ms >= 10 THEN to_char(ms, 'FM990.0') || ' ms'
            WHEN ms >= 1 THEN to_char(ms, 'FM990.00') || ' ms'
            ELSE to_char(ms, 'FM0.000') || ' ms' END;
CREATE FUNCTION pg_temp.fop(ns double precision) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN ns IS NULL THEN '–'
            WHEN ns >= 1000000 THEN to_char(ns / 1000000, 'FM999,990.0') || ' ms'
            WHEN ns >= 10000 THEN to_char(ns / 1000, 'FM990') || ' µs'
            WHEN ns >= 1000 THEN to_char(ns / 1000, 'FM990.0') || ' µs'
            ELSE to_char(ns, 'FM990') || ' ns' END;
CREATE FUNCTION pg_temp.fx(r double precision) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN r IS NULL OR r <= 0 THEN '–'
            WHEN r >= 100 THEN to_char(r, 'FM999,990') || '×'
            WHEN r >= 10 THEN to_char(r, 'FM990.0') || '×'
            WHEN r >= 0.995 THEN to_char(r, 'FM990.00') || '×'
            ELSE round(r::numeric, 1 - floor(log(r::numeric))::integer)::text || '×' END;
CREATE FUNCTION pg_temp.fkb(b double precision) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN b IS NULL THEN '–'
            WHEN abs(b) >= 1048576 THEN to_char(b / 1048576, 'FM990.0') || ' MB'
            ELSE to_char(b / 1024, 'FM999,990') || ' kB' END;
CREATE FUNCTION pg_temp.scale_order(s text) RETURNS integer LANGUAGE sql IMMUTABLE
RETURN CASE s WHEN 'small' THEN 1 WHEN 'medium' THEN 2 WHEN 'large' THEN 3 END;
CREATE FUNCTION pg_temp.variant_order(v text) RETURNS numeric LANGUAGE sql IMMUTABLE
RETURN CASE WHEN v LIKE '(d)%' THEN 1 WHEN v LIKE '(e)%' THEN 1.5 WHEN v LIKE '(a)%' THEN 2 WHEN v LIKE '(b)%' THEN 3
            WHEN v LIKE '(c)%' THEN 4 WHEN v IN ('ours, per row', 'ours, cached') THEN 5
            ELSE 6 END;
CREATE FUNCTION pg_temp.workload_order(w text) RETURNS integer LANGUAGE sql IMMUTABLE
RETURN CASE WHEN w LIKE 'point%' THEN 1 WHEN w LIKE 'count%' THEN 2 ELSE 3 END;

-- medians ----------------------------------------------------------------
CREATE TEMP VIEW s AS
SELECT scale, workload, variant, count(*) AS reps,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med,
       min(ms) AS lo, max(ms) AS hi, max(n) AS n, max(result) AS result
  FROM rpt.results GROUP BY 1, 2, 3;
CREATE TEMP VIEW sr AS
SELECT s.*,
       s.med / nullif(a.med, 0) AS to_a,
       s.med / nullif(d.med, 0) AS to_d,
       d.med AS floor_med
  FROM s
  LEFT JOIN s a ON a.scale = s.scale AND a.workload = s.workload AND a.variant LIKE '(a)%'
  LEFT JOIN s d ON d.scale = s.scale AND d.workload = s.workload AND d.variant LIKE '(d)%';
CREATE TEMP VIEW pg AS
SELECT p.scale, p.variant, count(*) AS reps,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS med, min(tps) AS lo, max(tps) AS hi
  FROM rpt.pgbench p GROUP BY 1, 2;
CREATE TEMP VIEW cs AS
SELECT c.scale, c.fixture, f.teams, f.grants, count(*) AS reps,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY build_ms) AS build,
       min(build_ms) AS build_lo, max(build_ms) AS build_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hit_us) AS hit,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes_user - bytes_empty) AS mem_user,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY set_ms) AS set_first,
       min(set_ms) AS set_lo, max(set_ms) AS set_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY set_again_ms) AS set_again,
       max(set_n) AS set_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes_set - bytes_user) AS mem_set,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY sql_set_ms) AS sql_set
  FROM rpt.cache_results c
  JOIN (SELECT DISTINCT fixture, teams, grants FROM rpt.cache_fixtures) f USING (fixture)
 GROUP BY 1, 2, 3, 4;

-- the builds compared across scales, of two kinds: 'fresh', the first
-- check in a fresh connection (the interleaved rounds of bench/run.sh
-- when there are some, else each scale's own probes), and 'rebuild', the
-- build after an invalidation of the user alone in a serving backend
-- (bench.rebuild_probe: each row the median of 9 rebuilds)
CREATE TEMP VIEW builds AS
SELECT c.kind, c.scale, c.fixture, f.teams,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY build_ms) AS build,
       min(build_ms) AS build_lo, max(build_ms) AS build_hi
  FROM (SELECT 'fresh' AS kind, scale, fixture, build_ms FROM rpt.cache_cross
        UNION ALL
        SELECT 'fresh', scale, fixture, build_ms FROM rpt.cache_results
         WHERE NOT EXISTS (SELECT FROM rpt.cache_cross)
        UNION ALL
        SELECT 'rebuild', scale, fixture, build_ms FROM rpt.cache_rebuild) c
  JOIN (SELECT DISTINCT fixture, teams FROM rpt.cache_fixtures) f USING (fixture)
 GROUP BY 1, 2, 3, 4;

-- the table of one kind of build across scales (with the pages a fresh
-- build reads, where they were counted)
CREATE FUNCTION pg_temp.build_table(p_kind text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    SELECT '| fixture | ' || string_agg(scale || ' (' || to_char(pg_temp.fact(scale, 'orgs')::bigint, 'FM999,999') || ' orgs)',
                                        ' | ' ORDER BY pg_temp.scale_order(scale))
           || ' | largest ÷ smallest |'
      FROM (SELECT DISTINCT scale FROM builds WHERE kind = p_kind) x HAVING count(*) > 0;
    RETURN QUERY
    SELECT '|---|' || string_agg('---|', '' ORDER BY scale) || '---|'
      FROM (SELECT DISTINCT scale FROM builds WHERE kind = p_kind) x HAVING count(*) > 0;
    RETURN QUERY
    SELECT format('| %s | %s | %s |', b.fixture,
                  string_agg(pg_temp.fms(b.build) || ' (' || pg_temp.fms(b.build_lo) || '–' || pg_temp.fms(b.build_hi) || ')'
                             || coalesce(', ' || (SELECT min(pages) FROM rpt.cache_pages p
                                                   WHERE p_kind = 'fresh' AND p.scale = b.scale
                                                     AND p.fixture = b.fixture) || ' pages', ''),
                             ' | ' ORDER BY pg_temp.scale_order(b.scale)),
                  CASE WHEN count(*) > 1 THEN to_char(max(b.build) / min(b.build), 'FM990.00') || '×' ELSE '–' END)
      FROM builds b WHERE b.kind = p_kind GROUP BY b.fixture, b.teams
     ORDER BY b.fixture = 'user in 1 org' DESC, b.teams = 0, b.teams;
END;
$$;

CREATE FUNCTION pg_temp.med(p_scale text, p_workload text, p_variant text)
RETURNS double precision LANGUAGE sql STABLE
RETURN (SELECT med FROM s WHERE scale = p_scale AND workload = p_workload AND variant = p_variant);
CREATE FUNCTION pg_temp.fact(p_scale text, p_key text)
RETURNS text LANGUAGE sql STABLE
RETURN (SELECT value FROM rpt.facts WHERE scale = p_scale AND key = p_key);

-- targets ----------------------------------------------------------------
CREATE TEMP TABLE targets AS
SELECT 1::numeric AS o, scale,
       'cached check ≥ 30× faster than (a)' AS target,
       '(a) ÷ ours, point checks' AS measure,
       pg_temp.med(scale, 'point checks', '(a) SQL SECURITY DEFINER')
         / pg_temp.med(scale, 'point checks', 'ours, cached') AS value,
       '≥ 30' AS goal,
       pg_temp.med(scale, 'point checks', '(a) SQL SECURITY DEFINER')
         / pg_temp.med(scale, 'point checks', 'ours, cached') >= 30 AS met
  FROM (SELECT DISTINCT scale FROM rpt.results) x
UNION ALL
SELECT 2, scale, 'per-row policy scan ≤ 1.5× the floor',
       'ours per row ÷ (d), count(*) over ' || to_char(pg_temp.fact(scale, 'resource rows')::bigint, 'FM9,999,999') || ' rows',
       pg_temp.med(scale, 'count(*) scan', 'ours, per row') / pg_temp.med(scale, 'count(*) scan', '(d) floor'),
       '≤ 1.5',
       pg_temp.med(scale, 'count(*) scan', 'ours, per row') / pg_temp.med(scale, 'count(*) scan', '(d) floor') <= 1.5
  FROM (SELECT DISTINCT scale FROM rpt.results) x
UNION ALL
SELECT 3, scale, 'set-based form within 1.1× of (c)',
       'ours set-based ÷ (c), count(*) scan',
       pg_temp.med(scale, 'count(*) scan', 'ours, set-based') / pg_temp.med(scale, 'count(*) scan', '(c) set-based SQL'),
       '≤ 1.1',
       pg_temp.med(scale, 'count(*) scan', 'ours, set-based') / pg_temp.med(scale, 'count(*) scan', '(c) set-based SQL') <= 1.1
  FROM (SELECT DISTINCT scale FROM rpt.results) x
UNION ALL
SELECT 4, scale, 'set-based form within 1.1× of (c)',
       'ours set-based ÷ (c), selective query',
       pg_temp.med(scale, 'selective (200 index look-ups)', 'ours, set-based') / pg_temp.med(scale, 'selective (200 index look-ups)', '(c) set-based SQL'),
       '≤ 1.1',
       pg_temp.med(scale, 'selective (200 index look-ups)', 'ours, set-based') / pg_temp.med(scale, 'selective (200 index look-ups)', '(c) set-based SQL') <= 1.1
  FROM (SELECT DISTINCT scale FROM rpt.results) x;

-- Each scale's own point checks are timed at its own moment of the run
-- (and after the smaller scales' data joined the cluster), so raw times
-- drift between scales with the machine's load, the floor's too.  With
-- more than one scale, bench/run.sh also times them in rounds that visit
-- the scales in turn (rpt.point_cross): flatness is judged on those when
-- there are some, else on each scale's own rounds; either way on ours ÷
-- (d), the same loop without a check timed in the same rounds.
CREATE TEMP VIEW point_cross AS
SELECT scale, max(n) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = '(d) floor') AS floor_ms,
       min(ms) FILTER (WHERE variant = '(d) floor') AS floor_lo,
       max(ms) FILTER (WHERE variant = '(d) floor') AS floor_hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'ours, cached') AS ours_ms,
       min(ms) FILTER (WHERE variant = 'ours, cached') AS ours_lo,
       max(ms) FILTER (WHERE variant = 'ours, cached') AS ours_hi,
       count(DISTINCT rep) AS rounds
  FROM rpt.point_cross GROUP BY 1;
CREATE TEMP TABLE flat AS
SELECT scale, pg_temp.fact(scale, 'orgs')::bigint AS orgs,
       med / pg_temp.med(scale, 'point checks', '(d) floor') AS per_floor
  FROM s WHERE workload = 'point checks' AND variant = 'ours, cached'
   AND NOT EXISTS (SELECT FROM rpt.point_cross)
UNION ALL
SELECT scale, pg_temp.fact(scale, 'orgs')::bigint, ours_ms / floor_ms
  FROM point_cross;
INSERT INTO targets
SELECT 5, string_agg(scale, ' → ' ORDER BY pg_temp.scale_order(scale)),
       'cost per check flat as the number of orgs grows',
       CASE WHEN EXISTS (SELECT FROM rpt.point_cross)
            THEN 'ours ÷ (d) per point check, the scales timed in interleaved rounds, largest ÷ smallest across '
            ELSE 'ours ÷ (d) per point check (same rounds), largest ÷ smallest across ' END ||
           string_agg(to_char(orgs, 'FM999,999') || ' orgs', ', ' ORDER BY orgs),
       max(per_floor) / min(per_floor), '≤ 1.5 (flat)',
       CASE WHEN count(*) >= 2 THEN max(per_floor) / min(per_floor) <= 1.5 END
  FROM flat;
ALTER TABLE targets ADD COLUMN shown text;

-- traffic and the attacker (pgbench, 8 clients)
CREATE TEMP VIEW tr AS
SELECT scale, variant, rate, count(*) AS reps,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS med, min(tps) AS lo, max(tps) AS hi,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY attacker_xacts) AS attacker_xacts,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps_whole) AS whole
  FROM rpt.traffic GROUP BY 1, 2, 3;
CREATE FUNCTION pg_temp.tps(p_scale text, p_variant text, p_rate integer)
RETURNS double precision LANGUAGE sql STABLE
RETURN (SELECT med FROM tr WHERE scale = p_scale AND variant = p_variant AND rate = p_rate);
INSERT INTO targets (o, scale, target, measure, value, goal, met)
SELECT 6, scale, 'point checks with 1% grant changes ≥ 0.9× the floor',
       'TPS ours ÷ floor, 8 clients, 1% of transactions change a grant in one of many orgs',
       pg_temp.tps(scale, 'ours', 1) / pg_temp.tps(scale, 'floor', 1), '≥ 0.9',
       pg_temp.tps(scale, 'ours', 1) / pg_temp.tps(scale, 'floor', 1) >= 0.9
  FROM (SELECT DISTINCT scale FROM rpt.traffic WHERE rate = 1 AND variant = 'ours') x
UNION ALL
SELECT 7, scale, 'an attacker does not slow other tenants (≥ 0.9×)',
       'tenants'' TPS with the attacker ÷ with the same attacker loop in another database',
       pg_temp.tps(scale, 'attack', 0) / pg_temp.tps(scale, 'decoy', 0), '≥ 0.9',
       pg_temp.tps(scale, 'attack', 0) / pg_temp.tps(scale, 'decoy', 0) >= 0.9
  FROM (SELECT DISTINCT scale FROM rpt.traffic WHERE variant = 'attack') x
UNION ALL
SELECT 7.5, scale, 'an attacker does not slow other tenants (≥ 0.9×)',
       'tenants'' TPS with the attacker ÷ no 8th connection at all (the attacker''s own CPU share included)',
       pg_temp.tps(scale, 'attack', 0) / pg_temp.tps(scale, 'alone', 0), '≥ 0.9',
       pg_temp.tps(scale, 'attack', 0) / pg_temp.tps(scale, 'alone', 0) >= 0.9
  FROM (SELECT DISTINCT scale FROM rpt.traffic WHERE variant = 'attack') x;

-- the N curve
CREATE TEMP VIEW nc AS
SELECT scale, n, query, variant, count(*) AS reps,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi,
       max(nrows) AS nrows, max(result) AS result
  FROM rpt.ncurve GROUP BY 1, 2, 3, 4;
CREATE FUNCTION pg_temp.ncm(p_n integer, p_query text, p_variant text)
RETURNS double precision LANGUAGE sql STABLE
RETURN (SELECT med FROM nc WHERE n = p_n AND query = p_query AND variant = p_variant);
CREATE FUNCTION pg_temp.ncidx(p_n integer, p_query text)
RETURNS boolean LANGUAGE sql STABLE
RETURN (SELECT uses_index FROM rpt.ncurve_plans WHERE n = p_n AND query = p_query AND variant = 'ours (protect_table)');
-- the full scan against (d), as the issue set the target, and against
-- (e), the floor of any per-row predicate
INSERT INTO targets (o, scale, target, measure, value, goal, met)
SELECT f.o, min(x.scale), f.target,
       'ours (protect_table) ÷ ' || f.label || ', count(*): the largest over N = ' || string_agg(x.n::text, ', ' ORDER BY x.n),
       max(r.ratio), '≤ 1.5', max(r.ratio) <= 1.5
  FROM (VALUES (8, 'protected full scan ≤ 1.5× the floor for every N ≤ 10,000', '(d) floor', '(d)'),
               (8.5, 'protected full scan ≤ 1.5× the per-row floor (e) for every N ≤ 10,000',
                '(e) floor, app_id >= 0', '(e) `app_id >= 0`')) f(o, target, variant, label)
 CROSS JOIN (SELECT DISTINCT scale, n FROM rpt.ncurve) x
 CROSS JOIN LATERAL (SELECT pg_temp.ncm(x.n, 'full scan', 'ours (protect_table)')
                            / pg_temp.ncm(x.n, 'full scan', f.variant) AS ratio) r
 GROUP BY f.o, f.target, f.label
HAVING count(*) > 0;
INSERT INTO targets (o, scale, target, measure, value, goal, met, shown)
SELECT 9, min(scale), 'selective query and join keep the index for every N',
       'plans of `WHERE app_id = s.app_id` (a parameter) and of a join on app_id under the policy',
       count(*) FILTER (WHERE pg_temp.ncidx(n, 'selective') AND pg_temp.ncidx(n, 'join')), 'every N',
       bool_and(pg_temp.ncidx(n, 'selective') AND pg_temp.ncidx(n, 'join')),
       count(*) FILTER (WHERE pg_temp.ncidx(n, 'selective') AND pg_temp.ncidx(n, 'join')) || ' of ' || count(*) || ' N'
  FROM (SELECT DISTINCT scale, n FROM rpt.ncurve) x
HAVING count(*) > 0;

-- cold builds across scales: after an invalidation of the user alone (the
-- issue's words), and the first check in a fresh connection
INSERT INTO targets (o, scale, target, measure, value, goal, met)
SELECT k.o, string_agg(b.scale, ' → ' ORDER BY pg_temp.scale_order(b.scale)),
       'cold build does not grow with the database',
       k.label || ': a ' || b.fixture || ', largest ÷ smallest median across scales',
       max(b.build) / min(b.build), '≤ 1.5 (flat)',
       CASE WHEN count(*) >= 2 THEN max(b.build) / min(b.build) <= 1.5 END
  FROM builds b
  JOIN (VALUES ('rebuild', 10, 'build after an invalidation of the user alone, in a serving backend'),
               ('fresh', 10.5, 'first check in a fresh connection (empty cache, cold CPU caches)'))
       k(kind, o, label) USING (kind)
 WHERE b.fixture IN ('user in 1 org', 'user in 1000 teams')
 GROUP BY k.o, k.label, b.fixture;

--------------------------------------------------------------------------
\qecho '# pg_orgs: the C permission engine against the SQL ways of writing the same checks'
\qecho
SELECT format('Generated by `make bench` (`bench/run.sh`) on %s from commit %s. Scales: %s; whole run %s s.',
              :'date', :'rev', :'scales', :'total_secs');
\qecho
\qecho '## Machine and method'
\qecho
SELECT format('* CPU: %s, %s cores (nproc); memory %s. The machine is shared: other people ran', :'cpu', :'nproc', :'mem');
SELECT format('  tests and builds on it at the same time (load average %s), so absolute times', :'load');
\qecho '  are noisy, and pgbench throughput most of all; the ratios, measured within one run with the'
\qecho '  variants interleaved round by round, are what counts.'
SELECT format('* %s', :'pgversion');
\qecho '* Throw-away cluster: `jit = off`, `shared_buffers = 1GB`, `work_mem = 64MB`,'
\qecho '  `max_parallel_workers_per_gather = 0` (every variant on one core: a PARALLEL RESTRICTED policy'
\qecho '  function would otherwise forbid the parallel plan the floor gets), `autovacuum = off`,'
\qecho '  `fsync` and `full_page_writes` off (nothing here is kept; `synchronous_commit` stays on, so'
\qecho '  that VACUUM can mark freshly loaded pages all-visible at once).'
\qecho '* pg_orgs built without assertions (`make clean && make`, -O2) from a copy of the tree, installed,'
SELECT format('  and loaded by the benchmark from that build''s own copy (md5 %s…), so a concurrent', :'lib_md5');
\qecho '  `make install` by someone else cannot swap the library during the run.'
\qecho '* Every timed statement runs server-side (one statement per repetition, timed with'
\qecho '  `clock_timestamp()` inside a PL/pgSQL driver), so client round trips do not hide the cost.'
SELECT format('  One warm-up round, then %s rounds; each round runs every variant once, in an order that', :'reps');
\qecho '  rotates from round to round. Reported: median and min–max over the rounds; ratios are of medians.'
SELECT format('  pgbench: %s runs of %s s per variant (2 clients, `-M prepared`), interleaved; the traffic and', :'reps', :'pgbench_secs');
SELECT format('  attacker runs: %s runs of %s s per variant, %s clients, at the scales %s.', :'reps', :'traffic_secs', :'traffic_clients', :'traffic_scales');
SELECT format('* Data: seeded (`setseed(%s)` and seeded hashes), see `bench/sql/generate.sql`: org sizes, the', :'seed');
\qecho '  orgs teams and apps belong to, and the apps resource rows belong to are drawn log-uniformly'
\qecho '  (P(k) ∝ 1/k): most orgs small, a few large; users belong to 1–5 orgs, about 5 teams each.'
\qecho '* Permission checked everywhere: `models.view` (granted by the org_user baseline and by the'
\qecho '  model_trainer and full_access team levels, capped by the role ceiling).'
\qecho
\qecho '## Variants'
\qecho
\qecho '| | what the policy / check is |'
\qecho '|---|---|'
\qecho '| (d) floor | no row-level security: `SELECT count(*)` as a BYPASSRLS role; for point checks, the same loop with a trivial predicate |'
\qecho '| (e) floor, `app_id >= 0` | the floor with the cheapest built-in per-row filter, true for every row (count(*) scans and the N curve) |'
\qecho '| (a) SQL SECURITY DEFINER | `bench.sql_has_app_permission(app_id, ''models.view'')`: `LANGUAGE sql STABLE SECURITY DEFINER SET search_path`, reading orgs.apps / members / team_members / team_apps and the matrix tables, the acting user from `orgs.current_user_id()` (the way basejump''s `has_role_on_account` is written and used), per row |'
\qecho '| (b) PL/pgSQL SECURITY DEFINER | the same rule in PL/pgSQL, per row |'
\qecho '| (c) set-based SQL | `app_id = ANY (ARRAY(SELECT bench.sql_apps_with_permission(''models.view'')))`: one InitPlan per query |'
\qecho '| ours, per row | `orgs.has_app_permission(app_id, ''models.view'')` (C, per-backend cache; with planner support: for an index on app_id it adds the index condition `app_id = ANY (orgs.apps_with_permission(...))`); the form `orgs.protect_table` generates ("ours (protect_table)" in the N curve) |'
\qecho '| ours, set-based | `app_id = ANY ((SELECT orgs.apps_with_permission(''models.view''))::bigint[])` |'
\qecho '| ours, cached / cold cache | point checks `orgs.has_app_permission(user_id, app_id, ''models.view'')`; "cold": the whole cache is invalidated just before the batch (a zero-row write of a model table), so every user is rebuilt inside the timed statement |'
\qecho
\qecho 'Before any timing, every scale passes a correctness gate: on every point-check pair the C check,'
\qecho '(a) and (b) agree, and for a sample of users (of every role, personal-app owners, the policy user)'
\qecho 'all five policies let the user see exactly the same apps (`bench.app_probe`, one row per app).'
\qecho 'Every timed repetition''s result is also compared across variants. A difference stops the run.'
\qecho

\qecho '## Targets'
\qecho
\qecho '| target | scale | measured | value | goal | met |'
\qecho '|---|---|---|---|---|---|'
SELECT format('| %s | %s | %s | %s | %s | %s |', target, scale, measure,
              coalesce(shown, CASE WHEN o IN (5, 10) THEN to_char(value, 'FM990.00') || '×' ELSE pg_temp.fx(value) END),
              goal, CASE WHEN met THEN '**yes**' WHEN met IS NULL THEN 'n/a (one scale)' ELSE '**NO**' END)
  FROM targets ORDER BY o, pg_temp.scale_order(scale);
\qecho

\qecho '## Cost per check as the number of orgs grows'
\qecho
\qecho '| scale | orgs | users | (d) floor (per check) | ours, cached (per check) | ours, cached ÷ (d) | ours, cold cache (per check) | (a) (per check) | ours per-row policy: extra per row over (d) | (a) policy: extra per row |'
\qecho '|---|---|---|---|---|---|---|---|---|---|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', x.scale,
              to_char(pg_temp.fact(x.scale, 'orgs')::bigint, 'FM999,999'),
              to_char(pg_temp.fact(x.scale, 'users')::bigint, 'FM999,999'),
              pg_temp.fop(pg_temp.med(x.scale, 'point checks', '(d) floor') * 1e6 / x.n),
              pg_temp.fop(pg_temp.med(x.scale, 'point checks', 'ours, cached') * 1e6 / x.n),
              to_char(pg_temp.med(x.scale, 'point checks', 'ours, cached')
                      / pg_temp.med(x.scale, 'point checks', '(d) floor'), 'FM990.00') || '×',
              pg_temp.fop(pg_temp.med(x.scale, 'point checks', 'ours, cold cache') * 1e6 / x.n),
              pg_temp.fop(pg_temp.med(x.scale, 'point checks', '(a) SQL SECURITY DEFINER') * 1e6 / x.n),
              pg_temp.fop((pg_temp.med(x.scale, 'count(*) scan', 'ours, per row')
                           - pg_temp.med(x.scale, 'count(*) scan', '(d) floor')) * 1e6 / y.n),
              pg_temp.fop((pg_temp.med(x.scale, 'count(*) scan', '(a) SQL SECURITY DEFINER')
                           - pg_temp.med(x.scale, 'count(*) scan', '(d) floor')) * 1e6 / y.n))
  FROM (SELECT DISTINCT scale, n FROM s WHERE workload = 'point checks') x
  JOIN (SELECT DISTINCT scale, n FROM s WHERE workload = 'count(*) scan') y USING (scale)
 ORDER BY pg_temp.scale_order(x.scale);
\qecho
\qecho 'The point checks are the same shape at every scale (500 users, about 36 apps each, shuffled), so'
\qecho 'the per-check cost isolates the effect of the data''s size. Each scale is timed at its own moment of'
\qecho 'the run, after the smaller scales'' data joined the cluster and while the machine''s load changes, so'
\qecho 'the raw times drift from scale to scale, the floor''s too. With more than one scale, flatness is'
\qecho 'judged on the measurement below instead, ours ÷ (d) (the same loop without a check) with every scale'
\qecho 'timed at the same moments.'
\qecho
SELECT format('The same loops timed across scales, after every scale was loaded: %s rounds of fresh connections'
              || ' that visit the scales'' databases in turn (the order rotating each round); each visit runs'
              || ' both loops once (the cache built, the statements planned), then 3 times each, alternating.'
              || ' Median (min–max) per check over all of a scale''s timings.',
              max(rounds))
  FROM point_cross HAVING count(*) > 0;
SELECT E'\n| scale | orgs | (d) floor (per check) | ours, cached (per check) | ours, cached ÷ (d) |\n|---|---|---|---|---|'
  FROM point_cross HAVING count(*) > 0;
SELECT format('| %s | %s | %s (%s–%s) | %s (%s–%s) | %s× |', scale,
              to_char(pg_temp.fact(scale, 'orgs')::bigint, 'FM999,999'),
              pg_temp.fop(floor_ms * 1e6 / n), pg_temp.fop(floor_lo * 1e6 / n), pg_temp.fop(floor_hi * 1e6 / n),
              pg_temp.fop(ours_ms * 1e6 / n), pg_temp.fop(ours_lo * 1e6 / n), pg_temp.fop(ours_hi * 1e6 / n),
              to_char(ours_ms / floor_ms, 'FM990.00'))
  FROM point_cross ORDER BY pg_temp.scale_order(scale);
SELECT '' FROM point_cross HAVING count(*) > 0;

\qecho '## The per-row policy against two floors'
\qecho
\qecho 'A bare `count(*)` evaluates no predicate at all; any row filter, even the cheapest built-in one,'
\qecho 'costs something per row. (e) is the same scan as (d) with `WHERE app_id >= 0` (true for every'
\qecho 'row): the real floor of any per-row predicate.'
\qecho
\qecho '| scale | rows | (d) bare count(*) | (e) `app_id >= 0` | (e) ÷ (d) | ours, per row | ours ÷ (d) | ours ÷ (e) | ours: extra per row over (e) |'
\qecho '|---|---|---|---|---|---|---|---|---|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s |', scale, to_char(n, 'FM9,999,999'),
              pg_temp.fms(d), pg_temp.fms(e), pg_temp.fx(e / d), pg_temp.fms(o), pg_temp.fx(o / d),
              pg_temp.fx(o / e), pg_temp.fop((o - e) * 1e6 / n))
  FROM (SELECT scale, max(n) AS n,
               max(med) FILTER (WHERE variant = '(d) floor') AS d,
               max(med) FILTER (WHERE variant = '(e) floor, app_id >= 0') AS e,
               max(med) FILTER (WHERE variant = 'ours, per row') AS o
          FROM s WHERE workload = 'count(*) scan' GROUP BY scale) x
 WHERE e IS NOT NULL
 ORDER BY pg_temp.scale_order(scale);
\qecho

\qecho '## Traffic: grant changes in many orgs, and an attacker'
\qecho
SELECT format('pgbench, %s clients (`-M prepared`, 2 threads), %s runs of %s s per variant, all variants of a scale '
              || 'interleaved round by round. Each transaction is one point check of a random pair of '
              || '`bench.pairs` (500 users, about 36 apps each) or, with the given probability, one '
              || 'grant-changing write (`bench.traffic_write`): a team grant''s level flips between '
              || 'model_trainer and labeler_worker, or a member''s role between org_user and '
              || 'team_contributor, in one of up to 1,000 orgs (one grant and one member per org, drawn '
              || 'by a seeded hash). The floor runs the same writes; its read is a plain look-up of '
              || 'the pair. TPS is the steady state: pgbench logs the transactions of every second, and the '
              || 'first two seconds of a run (every connection is new and fills its cache) and the last, '
              || 'partial one are left out; "whole run" is pgbench''s own figure over the whole run, '
              || 'cold connections included.', :'traffic_clients', :'reps', :'traffic_secs')
 WHERE EXISTS (SELECT 1 FROM rpt.traffic);
\qecho
SELECT '| scale | grant-changing transactions | floor TPS: median (min–max) | ours TPS: median (min–max) | ours ÷ floor | whole run: ours ÷ floor |'
 WHERE EXISTS (SELECT 1 FROM rpt.traffic);
SELECT '|---|---|---|---|---|---|' WHERE EXISTS (SELECT 1 FROM rpt.traffic);
SELECT format('| %s | %s%% | %s (%s–%s) | %s (%s–%s) | %s | %s |', f.scale, f.rate,
              to_char(f.med, 'FM999,999,990'), to_char(f.lo, 'FM999,999,990'), to_char(f.hi, 'FM999,999,990'),
              to_char(o.med, 'FM999,999,990'), to_char(o.lo, 'FM999,999,990'), to_char(o.hi, 'FM999,999,990'),
              CASE WHEN o.med / f.med >= 0.9 OR f.rate <> 1 THEN pg_temp.fx(o.med / f.med)
                   ELSE '**' || pg_temp.fx(o.med / f.med) || '**' END,
              pg_temp.fx(o.whole / f.whole))
  FROM tr f JOIN tr o ON o.scale = f.scale AND o.rate = f.rate AND o.variant = 'ours'
 WHERE f.variant = 'floor'
 ORDER BY pg_temp.scale_order(f.scale), f.rate;
\qecho
SELECT format('**The attacker**: one connection, an ordinary registered user in no organization, loops '
              || '`orgs.create_app` / `orgs.delete_app` of a personal app (`bench/pgbench/attack.sql`, two '
              || 'commits per loop), while %s tenant clients run the point checks above without other writes. '
              || 'Three variants, interleaved: the tenants alone; the tenants with the attacker''s loop run '
              || 'against another database of the same cluster (the same CPU and WAL load, but its '
              || 'invalidations reach no tenant); the tenants with the attacker in their database.',
              (:'traffic_clients')::int - 1)
 WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack');
\qecho
SELECT '| scale | tenants alone | with the attacker in another database | with the attacker | ÷ attacker elsewhere | ÷ alone | attacker loops/s: elsewhere, here |'
 WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack');
SELECT '|---|---|---|---|---|---|---|' WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack');
SELECT format('| %s | %s | %s | %s | %s | %s | %s, %s |', a.scale,
              to_char(pg_temp.tps(a.scale, 'alone', 0), 'FM999,999,990'),
              to_char(pg_temp.tps(a.scale, 'decoy', 0), 'FM999,999,990'),
              to_char(a.med, 'FM999,999,990'),
              pg_temp.fx(a.med / pg_temp.tps(a.scale, 'decoy', 0)),
              pg_temp.fx(a.med / pg_temp.tps(a.scale, 'alone', 0)),
              to_char((SELECT attacker_xacts FROM tr WHERE scale = a.scale AND variant = 'decoy') / (:'traffic_secs')::numeric, 'FM999,990'),
              to_char(a.attacker_xacts / (:'traffic_secs')::numeric, 'FM999,990'))
  FROM tr a WHERE a.variant = 'attack'
 ORDER BY pg_temp.scale_order(a.scale);
\qecho

SELECT format('## Flat in the number of visible apps (N curve, scale %s)', :'ncurve_scale')
 WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
\qecho
SELECT format('A table of %s rows spread evenly over the 10,000 apps of one org, with an index on '
              || '`app_id`, protected by `orgs.protect_table` (policy: `%s`), read by users who see '
              || 'N = 10, 100, 1,000 and 10,000 of those apps (10 team grants per team, 1 to 1,000 teams), '
              || 'against (d) no row-level security and (e) the same with `WHERE app_id >= 0`. '
              || '"selective": `SELECT sum((SELECT count(*) FROM t r WHERE r.app_id = s.app_id)) FROM sel s`, '
              || '100 index look-ups with `app_id` a parameter (not a constant), over 100 apps of the 10,000 '
              || '(five that every N sees, 95 drawn by a seeded hash); "join": `SELECT count(*) FROM sel s JOIN t r '
              || 'ON r.app_id = s.app_id`. Each N is its own interleaved run (%s rounds after a warm-up). '
              || 'Plot: the lower right panel of `bench/results.png`.',
              to_char(:'ncurve_rows'::bigint, 'FM9,999,999'),
              (SELECT value FROM rpt.facts WHERE key = 'N curve: policy' LIMIT 1), :'reps')
 WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
\qecho
SELECT '| N | rows seen | full scan: (d) | (e) | ours | ours ÷ (d) | ours ÷ (e) | selective: floor | ours | ÷ floor | join: floor | ours | ÷ floor | ours uses the index: full scan, selective, join |'
 WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
SELECT '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|' WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              to_char(n, 'FM99,999'),
              to_char((SELECT result FROM nc x WHERE x.n = y.n AND query = 'full scan' AND variant = 'ours (protect_table)')::bigint, 'FM9,999,999'),
              pg_temp.fms(pg_temp.ncm(n, 'full scan', '(d) floor')),
              pg_temp.fms(pg_temp.ncm(n, 'full scan', '(e) floor, app_id >= 0')),
              pg_temp.fms(pg_temp.ncm(n, 'full scan', 'ours (protect_table)')),
              pg_temp.fx(pg_temp.ncm(n, 'full scan', 'ours (protect_table)') / pg_temp.ncm(n, 'full scan', '(d) floor')),
              pg_temp.fx(pg_temp.ncm(n, 'full scan', 'ours (protect_table)') / pg_temp.ncm(n, 'full scan', '(e) floor, app_id >= 0')),
              pg_temp.fms(pg_temp.ncm(n, 'selective', '(d) floor')),
              pg_temp.fms(pg_temp.ncm(n, 'selective', 'ours (protect_table)')),
              pg_temp.fx(pg_temp.ncm(n, 'selective', 'ours (protect_table)') / pg_temp.ncm(n, 'selective', '(d) floor')),
              pg_temp.fms(pg_temp.ncm(n, 'join', '(d) floor')),
              pg_temp.fms(pg_temp.ncm(n, 'join', 'ours (protect_table)')),
              pg_temp.fx(pg_temp.ncm(n, 'join', 'ours (protect_table)') / pg_temp.ncm(n, 'join', '(d) floor')),
              concat_ws(', ', CASE WHEN pg_temp.ncidx(n, 'full scan') THEN 'yes' ELSE 'no' END,
                        CASE WHEN pg_temp.ncidx(n, 'selective') THEN '**yes**' ELSE '**NO**' END,
                        CASE WHEN pg_temp.ncidx(n, 'join') THEN '**yes**' ELSE '**NO**' END))
  FROM (SELECT DISTINCT n FROM rpt.ncurve) y ORDER BY n;
\qecho
SELECT '| N | query | plan, floor | plan, ours |' WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
SELECT '|---|---|---|---|' WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
SELECT format('| %s | %s | %s | %s |', to_char(f.n, 'FM99,999'), f.query, f.nodes, o.nodes)
  FROM rpt.ncurve_plans f JOIN rpt.ncurve_plans o ON o.n = f.n AND o.query = f.query AND o.variant = 'ours (protect_table)'
 WHERE f.variant = '(d) floor'
 ORDER BY f.n, CASE f.query WHEN 'full scan' THEN 1 WHEN 'selective' THEN 2 ELSE 3 END;
\qecho

\qecho '## Cold cache build across scales'
\qecho
\qecho 'The first check of a user after its entry was dropped: it should depend on the user''s own'
\qecho 'orgs, teams and apps, not on the size of the database.'
SELECT CASE WHEN EXISTS (SELECT FROM rpt.cache_cross) THEN
         format('Measured after every scale was loaded, in %s rounds of fresh connections that visit the'
                || ' scales'' databases in turn (the order rotating each round), so that the machine''s'
                || ' drift over the run falls on every scale alike; each probe warms up with two other'
                || ' users, then times the fixture''s first check. Median (min–max).',
                (SELECT max(rep) FROM rpt.cache_cross))
         || ' "pages": the shared buffers the build reads (from `EXPLAIN (ANALYZE, BUFFERS)` of the'
         || ' same first check in one more connection): the number of index entries and rows a build'
         || ' reads depends on the user only, and the pages it reads to find them grow with the depth'
         || ' of the B-trees it descends (a level more for every few hundred times as many entries).'
       ELSE 'Each scale''s own probes ("Cache build" under each scale). Median (min–max).' END;
\qecho
SELECT pg_temp.build_table('fresh');
\qecho
SELECT format('The build after an invalidation of the user alone, in a backend that has been serving'
              || ' (the user built before, the grants of its teams in the cache, the statement planned):'
              || ' %s rounds visiting the scales'' databases in turn as above; in each visit, 9 times an'
              || ' update of the user''s row that sends the user''s code, its commit, then the check,'
              || ' timed (the median of the 9). Median (min–max) over the rounds. This is the build a'
              || ' write to one user costs a backend; the first check in a fresh connection above also'
              || ' pays for caches that are cold in the CPU, where a larger database''s index pages'
              || ' are less likely to be found.', max(rep))
  FROM rpt.cache_rebuild HAVING count(*) > 0;
\qecho
SELECT pg_temp.build_table('rebuild');
\qecho

-- per scale ---------------------------------------------------------------
CREATE FUNCTION pg_temp.scale_section(p_scale text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    w text;
BEGIN
    RETURN NEXT format('## Scale: %s', p_scale);
    RETURN NEXT '';
    RETURN NEXT '| data | |';
    RETURN NEXT '|---|---|';
    FOR r IN SELECT key, value FROM rpt.facts WHERE scale = p_scale ORDER BY ctid LOOP
        RETURN NEXT format('| %s | %s |', r.key,
                           CASE WHEN r.value ~ '^[0-9]+$' THEN to_char(r.value::bigint, 'FM999,999,999') ELSE r.value END);
    END LOOP;
    RETURN NEXT '';
    RETURN NEXT '| workload | variant | median | min–max | per op | ÷ (a) | ÷ (d) | result | rounds |';
    RETURN NEXT '|---|---|---|---|---|---|---|---|---|';
    FOR r IN SELECT * FROM sr WHERE scale = p_scale
              ORDER BY pg_temp.workload_order(workload), pg_temp.variant_order(variant), variant LOOP
        RETURN NEXT format('| %s | %s | %s | %s–%s | %s | %s | %s | %s | %s |',
            r.workload, r.variant, pg_temp.fms(r.med), pg_temp.fms(r.lo), pg_temp.fms(r.hi),
            pg_temp.fop(r.med * 1e6 / r.n), pg_temp.fx(r.to_a), pg_temp.fx(r.to_d),
            r.result, r.reps);
    END LOOP;
    RETURN NEXT '';
    RETURN NEXT '"per op": per check (point checks), per row scanned (count(*): every row of bench.resources; '
             || 'selective: every row of the 200 apps). "÷ (a)", "÷ (d)": the median time as a multiple of '
             || 'the median of (a) and of the floor (d) in the same workload. "result": the count the query '
             || 'returned (the floor counts every row or pair).';
    RETURN NEXT '';
    RETURN NEXT '| plan: index on app_id used? | (d) floor | (a) SQL | (b) PL/pgSQL | (c) set-based SQL | ours, per row | ours, set-based |';
    RETURN NEXT '|---|---|---|---|---|---|---|';
    FOR w IN SELECT DISTINCT query FROM rpt.plans WHERE scale = p_scale ORDER BY 1 DESC LOOP
        RETURN NEXT format('| `%s` | %s |', CASE WHEN w LIKE 'WHERE%' THEN 'SELECT count(*) … ' || w ELSE 'SELECT count(*) …' END,
            (SELECT string_agg(CASE WHEN uses_index THEN '**yes**' ELSE 'no' END || ' (' || nodes || ')', ' | '
                               ORDER BY pg_temp.variant_order(variant))
               FROM rpt.plans WHERE scale = p_scale AND query = w));
    END LOOP;
    RETURN NEXT '';
    RETURN NEXT format('**pgbench** (2 clients, %s runs each, whole-run TPS; 99%% reads: one point check of a random pair; '
                       || '1%% writes: flip the level of one of 10 hot team grants, which drops the cache entries '
                       || 'of that team''s 5 members, none of them in the pairs):',
                       (SELECT max(reps) FROM pg WHERE scale = p_scale));
    RETURN NEXT '';
    RETURN NEXT '| mix | TPS median | min–max | ÷ (a) | ÷ (d) |';
    RETURN NEXT '|---|---|---|---|---|';
    FOR r IN SELECT p.*, p.med / a.med AS to_a, p.med / d.med AS to_d,
                    CASE p.variant WHEN 'mix_floor' THEN '(d) floor: the read is a plain look-up, 1% writes'
                                   WHEN 'mix_sql' THEN '(a) SQL SECURITY DEFINER check, 1% writes'
                                   WHEN 'mix_ours' THEN 'ours (C check), 1% writes'
                                   ELSE 'ours (C check), no writes' END AS label
               FROM pg p
               JOIN pg a ON a.scale = p.scale AND a.variant = 'mix_sql'
               JOIN pg d ON d.scale = p.scale AND d.variant = 'mix_floor'
              WHERE p.scale = p_scale
              ORDER BY CASE p.variant WHEN 'mix_floor' THEN 1 WHEN 'mix_sql' THEN 2 WHEN 'mix_ours' THEN 3 ELSE 4 END LOOP
        RETURN NEXT format('| %s | %s | %s–%s | %s | %s |', r.label, to_char(r.med, 'FM999,999,990'),
                           to_char(r.lo, 'FM999,999,990'), to_char(r.hi, 'FM999,999,990'),
                           pg_temp.fx(r.to_a), pg_temp.fx(r.to_d));
    END LOOP;
    RETURN NEXT '';
    SELECT count(*) AS checks,
           count(*) FILTER (WHERE own_write) AS own,
           count(*) FILTER (WHERE ours IS DISTINCT FROM fresh AND ours IS DISTINCT FROM after) AS stale,
           count(*) FILTER (WHERE ours IS DISTINCT FROM fresh AND ours IS NOT DISTINCT FROM after) AS ahead,
           count(*) FILTER (WHERE ours) AS yes,
           count(*) FILTER (WHERE NOT ours) AS no,
           count(DISTINCT pid) AS sessions
      INTO r FROM rpt.verify_log WHERE scale = p_scale;
    RETURN NEXT format('**Stale answers**: %s. Verification run (%s s, 2 sessions, 1%% writes on 10 hot grants, '
                       || 'every check of a hot pair made between two SQL evaluations of the same rule, one with the '
                       || 'statement''s snapshot and one with a snapshot taken after the check; an answer is stale '
                       || 'when both agree and the check differs): '
                       || '%s writes, %s checks (%s granted, %s denied), of which %s were the same session''s '
                       || 'next check after its own write and %s were another session''s first check of a '
                       || 'grant after a write to it; %s checks saw a change committed while their statement '
                       || 'ran (newer than the statement''s snapshot, as documented: the engine reads what is '
                       || 'committed when it builds).',
        CASE WHEN r.stale = 0 THEN '**none**' ELSE '**' || r.stale || ' STALE ANSWERS**' END,
        current_setting('bench.verify_secs'),
        (SELECT count(*) FROM rpt.write_log WHERE scale = p_scale), r.checks, r.yes, r.no, r.own,
        (SELECT count(DISTINCT (w.ts, v.pid))
           FROM rpt.verify_log v
          CROSS JOIN LATERAL (SELECT * FROM rpt.write_log w
                               WHERE w.scale = v.scale AND w.g = v.g AND w.ts < v.ts
                               ORDER BY w.ts DESC LIMIT 1) w
          WHERE v.scale = p_scale AND NOT v.own_write AND w.pid <> v.pid), r.ahead);
    RETURN NEXT '';
    RETURN NEXT '**Cache build** (a fresh connection per probe; the statement is planned, the matrix loaded '
             || 'and the tables opened first by warm-up users, so the build is the fixture''s own). '
             || '"set": the first `apps_with_permission(''models.view'')` of that user, then a repeated call; '
             || '(c): the SQL set function for the same user (planned on every call, as in a policy). '
             || '"cache memory", "set memory": growth of `orgs.cache_stats().bytes` (memory allocated in '
             || 'blocks, so a small entry that fits in a block already held shows 0). Time resolution: 1 µs.';
    RETURN NEXT '';
    RETURN NEXT '| fixture | team grants | build: median (min–max) | cached check | cache memory | set: first call (min–max) | set: again | apps in set | set memory | (c) SQL set | set first ÷ (c) |';
    RETURN NEXT '|---|---|---|---|---|---|---|---|---|---|---|';
    FOR r IN SELECT * FROM cs WHERE scale = p_scale ORDER BY teams = 0, teams LOOP
        RETURN NEXT format('| %s | %s | %s (%s–%s) | %s µs | %s | %s (%s–%s) | %s | %s | %s | %s | %s |',
            r.fixture, to_char(r.grants, 'FM999,999'), pg_temp.fms(r.build), pg_temp.fms(r.build_lo),
            pg_temp.fms(r.build_hi), to_char(r.hit, 'FM990.0'), pg_temp.fkb(r.mem_user),
            pg_temp.fms(r.set_first), pg_temp.fms(r.set_lo), pg_temp.fms(r.set_hi),
            pg_temp.fms(r.set_again), to_char(r.set_n, 'FM999,999'), pg_temp.fkb(r.mem_set),
            pg_temp.fms(r.sql_set), pg_temp.fx(r.set_first / nullif(r.sql_set, 0)));
    END LOOP;
    RETURN NEXT '';
END;
$$;

SELECT set_config('bench.verify_secs', :'verify_secs', false) \gset
SELECT pg_temp.scale_section(scale)
  FROM (SELECT DISTINCT scale FROM rpt.results) x ORDER BY pg_temp.scale_order(scale);

\qecho '## Notes'
\qecho
SELECT '* **Reduced repetitions at the large scale**: the per-row (a) and (b) policies take 10 to 60 s per '
       || 'count(*) over 1,000,000 rows, so there their count(*) scans run '
       || (SELECT min(c) FROM (SELECT count(*) c FROM rpt.results WHERE scale = 'large' AND workload = 'count(*) scan'
                                GROUP BY variant) x)
       || ' times without a warm-up round (every other measurement: ' || :reps || ' rounds after a warm-up), '
       || 'and the correctness gate samples one user per role instead of two.'
 WHERE EXISTS (SELECT 1 FROM rpt.results WHERE scale = 'large');
\qecho '* count(*) runs with `enable_indexonlyscan = off`, so that every variant reads the heap as a query'
\qecho '  returning rows would (otherwise the floor could count the app_id index alone); bitmap and plain'
\qecho '  index scans stay allowed, and the set-based forms use them. `bench.resources` is vacuumed'
\qecho '  (FREEZE) before the workloads.'
\qecho '* The set-based policy is written `app_id = ANY ((SELECT orgs.apps_with_permission(...))::bigint[])`:'
\qecho '  without the cast, PostgreSQL parses `= ANY ((SELECT ...))` as `= ANY (subquery)` and compares'
\qecho '  app_id with the whole array (operator does not exist: bigint = bigint[]).'
\qecho '* The cache-build fixtures (an org with 10,000 apps and 1,000 teams; users in 1, 10, 100 and'
\qecho '  1,000 of its teams) and the 10 hot grants of the pgbench runs are loaded after the other'
\qecho '  workloads, so they do not change the data those ran on.'
SELECT '* The traffic runs'' writes change the generated data of their scale (team grant levels, member '
       || 'roles); they run after every other workload of the scale except the N curve, which uses only the '
       || 'cachefix org.'
 WHERE EXISTS (SELECT 1 FROM rpt.traffic);
SELECT '* The attacker row''s control runs the attacker''s loop against `bench_decoy`, a database of the '
       || 'same cluster with pg_orgs and the same attacker user: it costs the same CPU, locks and WAL, but '
       || 'PostgreSQL delivers its invalidations only to the backends of that database. On 2 cores the attacker''s '
       || 'connection also takes CPU from the tenants whatever it does; "÷ alone" includes that share, '
       || '"÷ attacker elsewhere" isolates what its invalidations cost the tenants.'
 WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack');
SELECT '* The N curve''s users are team_contributors in 1, 10, 100 and 1,000 teams of the cachefix org, each '
       || 'team holding 10 of its apps at model_trainer; its selective query puts `app_id` in a sub-plan '
       || 'parameter, which the planner sees as an unknown value, like `$1` of a generic prepared plan.'
 WHERE EXISTS (SELECT 1 FROM rpt.ncurve);
\qecho '* Raw data: `bench/out/data/*.tsv`.'
