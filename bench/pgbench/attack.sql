-- bench/pgbench/attack.sql: the attacker, an ordinary registered user
-- (bench_attacker, in no organization), creates and deletes a personal app
-- in a loop through the API; each statement commits on its own, so every
-- loop sends two rounds of invalidations.
SELECT orgs.act_as('bench_attacker', false);
SELECT orgs.create_app('bench_attacker', 'spam');
SELECT orgs.delete_app('bench_attacker/spam');
