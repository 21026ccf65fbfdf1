-- bench/pgbench/read_ours.sql: the C check of a random pair, no writes
-- (the cache is never invalidated: the steady state).
\set k random(1, :npairs)
SELECT orgs.has_app_permission(p.user_id, p.app_id, 'models.view') FROM bench.pairs p WHERE p.k = :k;
