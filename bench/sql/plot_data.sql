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
