-- bench/sql/report_schema.sql: the tables the report is made from, loaded
-- by run.sh from bench/out/data/<scale>.<table>.tsv.

\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS rpt CASCADE;
CREATE SCHEMA rpt;
CREATE TABLE rpt.results (scale text, workload text, variant text, rep integer,
                          ms double precision, n bigint, result text);
CREATE TABLE rpt.facts (scale text, key text, value text);
CREATE TABLE rpt.plans (scale text, query text, variant text, uses_index boolean, nodes text);
CREATE TABLE rpt.pgbench (scale text, variant text, rep integer, tps double precision, xacts bigint);
CREATE TABLE rpt.cache_results (scale text, fixture text, rep integer, bytes_empty bigint,
                                build_ms double precision, hit_us double precision,
                                bytes_user bigint, set_ms double precision,
                                set_again_ms double precision, set_n integer,
                                bytes_set bigint, sql_set_ms double precision);
CREATE TABLE rpt.cache_cross (scale text, fixture text, rep integer, build_ms double precision);
CREATE TABLE rpt.cache_pages (scale text, fixture text, pages integer);
CREATE TABLE rpt.cache_rebuild (scale text, fixture text, rep integer, build_ms double precision);
CREATE TABLE rpt.point_cross (scale text, rep integer, variant text, ms double precision,
                              n bigint, result bigint);
CREATE TABLE rpt.cache_fixtures (fixture text, user_id bigint, app_id bigint,
                                 teams integer, grants integer, set_form boolean);
CREATE TABLE rpt.verify_log (scale text, pid integer, ts timestamptz, own_write boolean,
                             g integer, ours boolean, fresh boolean, after boolean);
CREATE TABLE rpt.write_log (scale text, pid integer, ts timestamptz, g integer);
CREATE TABLE rpt.traffic (scale text, variant text, rate integer, rep integer, tps double precision,
                          xacts bigint, attacker_xacts bigint, tps_whole double precision);
CREATE TABLE rpt.ncurve (scale text, n integer, query text, variant text, rep integer,
                         ms double precision, nrows bigint, result text);
CREATE TABLE rpt.ncurve_plans (scale text, n integer, query text, variant text,
                               uses_index boolean, nodes text);
