-- bench/pgbench/traffic_ours.sql: point checks of random users (a random
-- pair of bench.pairs: 500 users, about 36 apps each) with :wpct percent of
-- grant-changing transactions (bench.traffic_write: a team grant's level or
-- a member's role flips, in one of many orgs, see bench/sql/fixtures.sql).
-- ours: the read is the C check.
\set r random(1, 100)
\if :r <= :wpct
\set w random(1, :nwrites)
SELECT bench.traffic_write(:w);
\else
\set k random(1, :npairs)
SELECT orgs.has_app_permission(p.user_id, p.app_id, 'models.view') FROM bench.pairs p WHERE p.k = :k;
\endif
