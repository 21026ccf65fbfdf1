-- bench/pgbench/traffic_floor.sql: as traffic_ours.sql, with the same
-- writes, but the read is a plain look-up of the pair (the floor).
\set r random(1, 100)
\if :r <= :wpct
\set w random(1, :nwrites)
SELECT bench.traffic_write(:w);
\else
\set k random(1, :npairs)
SELECT p.app_id > 0 FROM bench.pairs p WHERE p.k = :k;
\endif
