-- bench/sql/plot_data.sql: the data files of bench/plot.gp, written to
-- the directory in psql variable out.  Run with psql -At.

\set ON_ERROR_STOP on
\pset footer off
\pset fieldsep '\t'

CREATE FUNCTION pg_temp.ns(p_scale text, p_workload text, p_variant text)
RETURNS double precision LANGUAGE sql STABLE
RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) * 1e6 / max(n)
          FROM rpt.results WHERE scale = p_scale AND workload = p_workload AND variant = p_variant);
CREATE FUNCTION pg_temp.scale_order(s text) RETURNS integer LANGUAGE sql IMMUTABLE
RETURN CASE s WHEN 'small' THEN 1 WHEN 'medium' THEN 2 WHEN 'large' THEN 3 END;
CREATE TEMP TABLE sc AS
SELECT DISTINCT scale, scale || ' (' || (SELECT to_char(value::bigint, 'FM999,999') FROM rpt.facts f
                                          WHERE f.scale = r.scale AND key = 'orgs') || ' orgs)' AS label
  FROM rpt.results r;

\o :out/plot_point.tsv
SELECT 'scale', '"(a) SQL"', '"(b) PL/pgSQL"', '"ours, cold cache"', '"ours, cached"', '"(d) floor"';
SELECT '"' || label || '"', pg_temp.ns(scale, 'point checks', '(a) SQL SECURITY DEFINER'),
       pg_temp.ns(scale, 'point checks', '(b) PL/pgSQL SECURITY DEFINER'),
       pg_temp.ns(scale, 'point checks', 'ours, cold cache'),
       pg_temp.ns(scale, 'point checks', 'ours, cached'),
       pg_temp.ns(scale, 'point checks', '(d) floor')
  FROM sc ORDER BY pg_temp.scale_order(scale);

\o :out/plot_scan.tsv
SELECT 'scale', '"(a) SQL"', '"(b) PL/pgSQL"', '"(c) set-based SQL"', '"ours, per row"', '"ours, set-based"', '"(d) floor"';
SELECT '"' || label || '"', pg_temp.ns(scale, 'count(*) scan', '(a) SQL SECURITY DEFINER'),
       pg_temp.ns(scale, 'count(*) scan', '(b) PL/pgSQL SECURITY DEFINER'),
       pg_temp.ns(scale, 'count(*) scan', '(c) set-based SQL'),
       pg_temp.ns(scale, 'count(*) scan', 'ours, per row'),
       pg_temp.ns(scale, 'count(*) scan', 'ours, set-based'),
       pg_temp.ns(scale, 'count(*) scan', '(d) floor')
  FROM sc ORDER BY pg_temp.scale_order(scale);

\o :out/plot_tps.tsv
SELECT 'scale', '"(a) SQL, 1% writes"', '"ours, 1% writes"', '"ours, no writes"', '"(d) floor, 1% writes"';
SELECT '"' || label || '"',
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FROM rpt.pgbench p WHERE p.scale = sc.scale AND variant = 'mix_sql'),
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FROM rpt.pgbench p WHERE p.scale = sc.scale AND variant = 'mix_ours'),
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FROM rpt.pgbench p WHERE p.scale = sc.scale AND variant = 'read_ours'),
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FROM rpt.pgbench p WHERE p.scale = sc.scale AND variant = 'mix_floor')
  FROM sc ORDER BY pg_temp.scale_order(scale);

-- cache build: one block per scale (gnuplot index), rows by team grants
\o :out/plot_cache.tsv
SELECT string_agg(line, E'\n' ORDER BY pg_temp.scale_order(scale)) FROM (
    SELECT scale,
           '# ' || scale || E'\n' || string_agg(f.grants || E'\t' || build || E'\t' || set_first, E'\n' ORDER BY f.grants)
           || E'\n\n' AS line
      FROM (SELECT c.scale, c.fixture,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY build_ms) AS build,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY set_ms) AS set_first
              FROM rpt.cache_results c GROUP BY 1, 2) c
      JOIN (SELECT DISTINCT fixture, grants FROM rpt.cache_fixtures WHERE grants > 0) f USING (fixture)
     GROUP BY scale) x;
\o :out/plot_cache_scales.txt
SELECT string_agg(scale, ' ' ORDER BY pg_temp.scale_order(scale)) FROM (SELECT DISTINCT scale FROM rpt.cache_results) x;
\o

-- traffic: ours ÷ floor at each write rate, and the attacker row, per scale
\o :out/plot_traffic.tsv
SELECT 'scale', string_agg('"' || label || '"', E'\t' ORDER BY o) FROM (
    SELECT DISTINCT rate AS o, 'ours ÷ floor, ' || rate || '% grant changes' AS label FROM rpt.traffic WHERE variant = 'ours'
    UNION ALL SELECT 1000, 'tenants with attacker ÷ attacker elsewhere' WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack')
    UNION ALL SELECT 1001, 'tenants with attacker ÷ alone' WHERE EXISTS (SELECT 1 FROM rpt.traffic WHERE variant = 'attack')) x
HAVING count(*) > 0;
CREATE TEMP VIEW trm AS
SELECT scale, variant, rate, percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS med FROM rpt.traffic GROUP BY 1, 2, 3;
SELECT '"' || sc.label || '"', string_agg(coalesce(v::text, 'NaN'), E'\t' ORDER BY o)
  FROM sc JOIN (
    SELECT o.scale, o.rate AS o, o.med / f.med AS v
      FROM trm o JOIN trm f ON f.scale = o.scale AND f.rate = o.rate AND f.variant = 'floor'
     WHERE o.variant = 'ours'
    UNION ALL
    SELECT a.scale, 1000, a.med / d.med FROM trm a JOIN trm d ON d.scale = a.scale AND d.variant = 'decoy' WHERE a.variant = 'attack'
    UNION ALL
    SELECT a.scale, 1001, a.med / d.med FROM trm a JOIN trm d ON d.scale = a.scale AND d.variant = 'alone' WHERE a.variant = 'attack'
  ) x ON x.scale = sc.scale
 GROUP BY sc.scale, sc.label ORDER BY pg_temp.scale_order(sc.scale);

-- the N curve: ratios to the floor by N
\o :out/plot_ncurve.tsv
CREATE TEMP VIEW ncm AS
SELECT n, query, variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med FROM rpt.ncurve GROUP BY 1, 2, 3;
SELECT n.n,
       (SELECT o.med / d.med FROM ncm o, ncm d WHERE o.n = n.n AND d.n = n.n AND o.query = 'full scan' AND d.query = 'full scan'
           AND o.variant = 'ours (protect_table)' AND d.variant = '(d) floor'),
       (SELECT o.med / d.med FROM ncm o, ncm d WHERE o.n = n.n AND d.n = n.n AND o.query = 'full scan' AND d.query = 'full scan'
           AND o.variant = 'ours (protect_table)' AND d.variant = '(e) floor, app_id >= 0'),
       (SELECT o.med / d.med FROM ncm o, ncm d WHERE o.n = n.n AND d.n = n.n AND o.query = 'selective' AND d.query = 'selective'
           AND o.variant = 'ours (protect_table)' AND d.variant = '(d) floor'),
       (SELECT o.med / d.med FROM ncm o, ncm d WHERE o.n = n.n AND d.n = n.n AND o.query = 'join' AND d.query = 'join'
           AND o.variant = 'ours (protect_table)' AND d.variant = '(d) floor')
  FROM (SELECT DISTINCT n FROM rpt.ncurve) n ORDER BY n.n;
\o
