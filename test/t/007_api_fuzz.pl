# API fuzzing: tens of thousands of calls of every function of schema orgs
# with random arguments, as each kind of caller of the threat model.
#
# A PL/pgSQL function (public.fuzz_run) picks a function of schema orgs the
# current role may execute, builds its arguments from pools of edge values
# (NULLs, empty and 3,000-character strings, malformed names, extreme
# integers, garbage JSON) and of real names and keys of the database, calls
# it in a subtransaction and records the SQLSTATE; now and then it switches
# the acting user.  Four sessions in turn, each from its own seed, on a
# database filled by PgOrgsTest::orgs_populate (customized model included):
# a login linked to a user, a plain login with no user, a role that may
# call orgs.act_as (and so switches between users), and a superuser (which
# also changes the model, links roles and deletes organizations under the
# next sessions).  Seeded, so a failure can be replayed.
#
# It fails on what must never come out of a public function, whatever the
# arguments: a crash or an assertion failure (the server is still up and
# its log has no "TRAP" or "terminated by signal"), an internal error
# (XX000 and the like), a NOT NULL, foreign key or unique violation that
# no function turned into its own error (23502, 23503, 23505), or an error
# of PL/pgSQL itself that only a bug of the function can raise (no RETURN,
# too many rows for INTO, a failed ASSERT, a NULL RAISE option, a missing
# or ambiguous name).  Found by fuzzing like this and fixed in 0.2.0: the
# 22004 "RAISE statement option cannot be null" of a permission of the
# other scope (which this test catches on the old code), and a foreign key
# violation from create_app racing delete_org (a race: see
# test/specs/invariants_race.spec).  Longer runs:
# PG_ORGS_FUZZ_CALLS=200000 TESTS=007_api_fuzz make test.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../lib";

use PgOrgsTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $calls = $ENV{PG_ORGS_FUZZ_CALLS} // 12000;

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE fuzz');
$node->safe_psql('fuzz', 'CREATE EXTENSION pg_orgs');
PgOrgsTest::orgs_populate($node, 'fuzz');
PgOrgsTest::orgs_customize_model($node, 'fuzz');

$node->safe_psql('fuzz', q{
CREATE ROLE regress_fuzz_linked LOGIN;
CREATE ROLE regress_fuzz_plain LOGIN;
CREATE ROLE regress_fuzz_app LOGIN;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fuzz_app;
SELECT orgs.link_db_role('bob', 'regress_fuzz_linked');
CREATE TABLE public.fuzz_things (id serial PRIMARY KEY, app_id bigint, org_id bigint, v text);
INSERT INTO public.fuzz_things (app_id, org_id, v) SELECT id, org_id, 'x' FROM orgs.apps;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.fuzz_things TO PUBLIC;
SELECT orgs.protect_table('public.fuzz_things', 'app_id');
CREATE TABLE public.fuzz_results (who name, proc text, state text);
CREATE TABLE public.fuzz_bad (who name, state text, message text, call text);
GRANT INSERT ON public.fuzz_results, public.fuzz_bad TO PUBLIC;
});

$node->safe_psql('fuzz', <<'SQL');
CREATE FUNCTION public.fuzz_run(seed double precision, n integer) RETURNS void
LANGUAGE plpgsql AS $fz$
DECLARE
    procs record;
    plist oid[];
    p oid;
    args text;
    t oid;
    tn text;
    v text;
    st text;
    ms text;
    sql text;
    ids bigint[] := ARRAY[NULL, 0, -1, 1, 2, 3, 4, 5, 7, 9, 11, 9223372036854775807, -9223372036854775808]::bigint[];
    texts text[] := ARRAY[NULL, '', ' ', 'acme', 'globex', 'alice', 'bob', 'nobody', 'acme/app-one', 'acme/',
                          'models.view', 'models.view, models.edit',
                          'apps.create', 'members.view', 'org_user', 'admin', 'labeler_lead', 'model_trainer',
                          'alice@example.com', 'nobody@example.com', repeat('x', 3000), 'a/b/c', '/', '/app1',
                          'ACME', 'Alice', E'\u00e9t\u00e9', 'x"y', 'x''y', '%', '_', '*', 'models.*', ',', 'models.view,,',
                          'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.xxx', 'a.b.c', '{}', 'null'];
    jsons text[] := ARRAY[NULL, '{}', '[]', 'null', '1', '{"kty":"oct","k":"c2VjcmV0"}', '{"permissions":[]}',
                          '{"roles":{"x":{}}}', '{"kty":"RSA"}', '"x"'];
    i int;
    nargs int;
BEGIN
    SELECT array_agg(oid ORDER BY oid) INTO plist FROM pg_proc
     WHERE pronamespace = 'orgs'::regnamespace AND prokind = 'f'
       AND has_function_privilege(oid, 'EXECUTE')
       AND proname NOT IN ('citus_setup', 'rotate_cluster_key', 'load_model');
    PERFORM setseed(seed);
    FOR i IN 1 .. n LOOP
        p := plist[1 + floor(random() * array_length(plist, 1))::int];
        args := '';
        nargs := (SELECT pronargs FROM pg_proc WHERE oid = p);
        FOR j IN 0 .. nargs - 1 LOOP
            t := (SELECT proargtypes[j] FROM pg_proc WHERE oid = p);
            tn := format_type(t, NULL);
            IF t IN ('int8'::regtype, 'int4'::regtype, 'int2'::regtype) THEN
                v := quote_nullable(CASE WHEN random() < 0.3 THEN (SELECT id FROM orgs.apps ORDER BY random() LIMIT 1)
                                         WHEN random() < 0.2 THEN (SELECT id FROM orgs.users ORDER BY random() LIMIT 1)
                                         WHEN t = 'int8'::regtype THEN ids[1 + floor(random() * array_length(ids, 1))::int]
                                         ELSE (ARRAY[NULL, 0, -1, 1, 2, 2147483647])[1 + floor(random() * 6)::int] END);
            ELSIF t = 'bool'::regtype THEN
                v := (ARRAY['NULL', 'true', 'false'])[1 + floor(random() * 3)::int];
            ELSIF t IN ('jsonb'::regtype, 'json'::regtype) THEN
                v := quote_nullable(jsons[1 + floor(random() * array_length(jsons, 1))::int]);
            ELSIF t = 'regclass'::regtype THEN
                -- a superuser could protect any table: only the fuzz table then
                v := quote_nullable(CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                                         THEN 'public.fuzz_things'
                                         ELSE (ARRAY[NULL, 'public.fuzz_things', 'orgs.members', 'orgs.apps', 'pg_class'])[1 + floor(random() * 5)::int] END);
            ELSIF t = 'regrole'::regtype THEN
                v := quote_nullable((ARRAY[NULL, 'regress_fuzz_linked', 'regress_fuzz_plain', 'regress_fuzz_app'])[1 + floor(random() * 4)::int]);
            ELSIF t IN ('timestamptz'::regtype, 'interval'::regtype) THEN
                v := quote_nullable((ARRAY[NULL, 'infinity', '-infinity', '2020-01-01', '1 day'])[1 + floor(random() * 5)::int]);
            ELSIF t = 'name'::regtype THEN
                v := quote_nullable((ARRAY[NULL, 'members', 'people', 'x', ''])[1 + floor(random() * 5)::int]);
            ELSIF (SELECT typtype FROM pg_type WHERE oid = t) = 'e' THEN
                v := quote_nullable((SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t ORDER BY random() LIMIT 1));
            ELSIF t = 'text[]'::regtype THEN
                v := quote_nullable((ARRAY[NULL, '{}', '{models.view}', '{x,NULL}'])[1 + floor(random() * 4)::int]);
            ELSE
                v := quote_nullable(CASE
                    WHEN random() < 0.12 THEN (SELECT o.org_id::text FROM orgs.organizations o ORDER BY random() LIMIT 1)
                    WHEN random() < 0.12 THEN (SELECT u.handle::text FROM orgs.users u ORDER BY random() LIMIT 1)
                    WHEN random() < 0.12 THEN (SELECT coalesce(o.org_id::text, u.handle::text) || '/' || a.app_id
                                                 FROM orgs.apps a LEFT JOIN orgs.organizations o ON o.id = a.org_id
                                                 LEFT JOIN orgs.users u ON u.id = a.owner_user_id ORDER BY random() LIMIT 1)
                    WHEN random() < 0.1 THEN (SELECT t.team_id::text FROM orgs.teams t ORDER BY random() LIMIT 1)
                    WHEN random() < 0.1 THEN (SELECT p.name FROM orgs.permissions p ORDER BY random() LIMIT 1)
                    WHEN random() < 0.05 THEN (SELECT string_agg(p.name, ',') FROM orgs.permissions p WHERE random() < 0.2)
                    ELSE texts[1 + floor(random() * array_length(texts, 1))::int] END);
            END IF;
            args := args || CASE WHEN j > 0 THEN ', ' ELSE '' END || v || '::' || tn;
        END LOOP;
        sql := format('SELECT * FROM %s(%s)', p::regproc, args);
        IF random() < 0.05 THEN
            sql := format('SELECT * FROM orgs.act_as(%L, false)',
                          CASE WHEN random() < 0.8 THEN (SELECT u.handle::text FROM orgs.users u ORDER BY random() LIMIT 1)
                               ELSE texts[1 + floor(random() * array_length(texts, 1))::int] END);
        END IF;
        BEGIN
            EXECUTE sql;
            st := '00000'; ms := '';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, ms = MESSAGE_TEXT;
        END;
        INSERT INTO public.fuzz_results VALUES (current_user, p::regproc::text, st);
        -- an internal error, a constraint violation that no function turned
        -- into its own error, or an error of PL/pgSQL itself that means a
        -- bug of the function (no RETURN, more rows than INTO takes, an
        -- ASSERT, a subquery of several rows, a NULL RAISE option, a missing
        -- or ambiguous name): kept with the call
        IF st LIKE 'XX%' OR st LIKE '58%' OR st IN ('23502', '23503', '23505')
           OR st IN ('2F005', 'P0003', 'P0004', '21000', '42P01', '42702')
           OR (st = '22004' AND ms LIKE 'RAISE statement option cannot be null%') THEN
            INSERT INTO public.fuzz_bad VALUES (current_user, st, ms, sql);
        END IF;
    END LOOP;
END
$fz$;
SQL

my @sessions = (
	[ 'a login linked to a user', 'regress_fuzz_linked', 0.11 ],
	[ 'a login with no user',     'regress_fuzz_plain',  0.22 ],
	[ 'a role that may act_as',   'regress_fuzz_app',    0.33 ],
	[ 'a superuser',              undef,                 0.44 ]);
for my $s (@sessions)
{
	my ($what, $role, $seed) = @$s;
	my $set = defined $role ? "SET ROLE $role; " : '';
	my ($ret, $out, $err) = $node->psql('fuzz', "${set}SELECT public.fuzz_run($seed, $calls)");
	is($ret, 0, "$calls random calls as $what") or diag($err);
	is($node->safe_psql('postgres', 'SELECT 1'), '1', '... and the server is up');
}

my $total = $node->safe_psql('fuzz', 'SELECT count(*) FROM public.fuzz_results');
my $ok = $node->safe_psql('fuzz', q{SELECT count(*) FROM public.fuzz_results WHERE state = '00000'});
my $procs = $node->safe_psql('fuzz', q{SELECT count(DISTINCT proc) FROM public.fuzz_results WHERE state = '00000'});
note($node->safe_psql('fuzz',
	q{SELECT string_agg(state || ' ' || n, ', ' ORDER BY n DESC)
	    FROM (SELECT state, count(*) AS n FROM public.fuzz_results GROUP BY state) s}));
is($total, 4 * $calls, 'every call was recorded');
# not a fuzzer that only ever hits argument errors
cmp_ok($ok, '>', $total / 10, "at least a tenth of the calls succeeded ($ok)");
cmp_ok($procs, '>=', 40, "calls of at least 40 functions succeeded ($procs)");

is($node->safe_psql('fuzz',
		q{SELECT coalesce(string_agg(format('%s as %s: %s %s', call, who, state, message), E'\n'), '')
		    FROM (SELECT * FROM public.fuzz_bad LIMIT 20) b}),
	'', 'no internal error and no unhandled constraint violation');

my $log = slurp_file($node->logfile);
unlike($log, qr/TRAP:|terminated by signal/, 'no assertion failure, no crash');

$node->stop;
done_testing();
