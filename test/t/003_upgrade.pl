
# ALTER EXTENSION pg_orgs UPDATE from every released version.
#
# A database is created at pg_orgs 0.1.0 (the released install script,
# kept as extension/pg_orgs--0.1.0.sql) and filled through that version's
# own API: users, organizations, invitations (one accepted by token, one
# left pending with its token kept by the application), members of every
# role, teams of every level, org and personal apps, a transfer.  Then
# ALTER EXTENSION pg_orgs UPDATE walks the chain of upgrade scripts to the
# current version, while a session that acts as a user stays connected.
#
# Checked:
#  (a) the catalog of the updated database describes exactly as a fresh
#      install of the current version (every object of the extension with
#      its definition, owner, privileges, comment; see PgOrgsTest.pm);
#  (b) every row survives: the contents of every table of 0.1.0 (in the
#      columns 0.1.0 had), the sequences' positions; the pending
#      invitation's token is still accepted after the update; the session
#      still acts as its user;
#  (c) every check answers the same before and after, for every user, app
#      or org and permission, but for the changes of the model that the
#      CHANGELOG lists (app.transfer is an admin's alone since 0.2.0).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../lib";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgOrgsTest;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_orgs'});
note("current version: $current");

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('fresh', 'CREATE EXTENSION pg_orgs; CREATE EXTENSION pg_orgs_example');
$node->safe_psql('upgraded', q{CREATE EXTENSION pg_orgs VERSION '0.1.0';
                               CREATE EXTENSION pg_orgs_example VERSION '0.1.0'});
is($node->safe_psql('upgraded', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_orgs'}),
	'0.1.0', 'installed at 0.1.0');

# --- data, through the 0.1.0 API --------------------------------------------
# Tokens are returned once by orgs.invite: keep them in a table of the test.
$node->safe_psql('upgraded', q{
CREATE TABLE public.tokens (who text PRIMARY KEY, invitation_id bigint, token text);
SELECT orgs.register_user(h, h || '@example.com', initcap(h), NULL)
  FROM unnest(ARRAY['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) AS h;
SELECT orgs.act_as('alice', false);
SELECT orgs.create_org('acme', 'Acme Inc', 'billing@acme.example');
INSERT INTO public.tokens SELECT r, i.invitation_id, i.token
  FROM (VALUES ('bob', 'org_contributor'), ('carol', 'org_user'), ('dave', 'team_contributor'),
               ('erin', 'financial_manager'), ('frank', 'infrastructure_manager'),
               ('grace', 'org_user')) AS v(r, role),
       LATERAL orgs.invite('acme', r || '@example.com', role::orgs.org_role) AS i;
SELECT orgs.act_as('heidi', false);
SELECT orgs.create_org('globex', 'Globex');
SELECT orgs.create_app('heidi', 'notebook', 'a personal app');
INSERT INTO public.tokens SELECT 'bob@globex', i.invitation_id, i.token
  FROM orgs.invite('globex', 'bob@example.com', 'admin') AS i;
SELECT orgs.act_as(NULL, false);
});
for my $who (qw(bob carol dave erin frank))
{
	$node->safe_psql('upgraded', qq{
		SELECT orgs.act_as('$who', false);
		SELECT orgs.accept_invitation((SELECT token FROM public.tokens WHERE who = '$who'));});
}
$node->safe_psql('upgraded', q{
SELECT orgs.act_as('bob', false);
SELECT orgs.accept_invitation((SELECT invitation_id FROM public.tokens WHERE who = 'bob@globex'));
SELECT orgs.act_as('alice', false);
SELECT orgs.create_app('acme', 'vision', 'Visual search');
SELECT orgs.create_app('acme', 'speech', NULL);
SELECT orgs.create_app('alice', 'sandbox', 'scratch');
SELECT orgs.transfer_app('alice/sandbox', 'acme', 'sandbox2');
SELECT orgs.create_team('acme', 'trainers', 'Model trainers', 'model_trainer');
SELECT orgs.create_team('acme', 'labelers', 'Labelers', 'labeler_worker');
SELECT orgs.create_team('acme', 'leads', 'Leads', 'labeler_lead');
SELECT orgs.create_team('acme', 'all', 'Everything', 'full_access');
SELECT orgs.add_team_member('acme', t, u)
  FROM (VALUES ('trainers', 'dave'), ('labelers', 'carol'), ('leads', 'dave'),
               ('all', 'frank'), ('all', 'carol')) AS v(t, u);
SELECT orgs.add_team_app('acme', 'trainers', 'acme/vision');
SELECT orgs.add_team_app('acme', 'labelers', 'acme/speech');
SELECT orgs.add_team_app('acme', 'leads', 'acme/vision');
SELECT orgs.add_team_app('acme', 'all', 'acme/sandbox2');
SELECT orgs.set_team_app_permission('acme', 'labelers', 'acme/speech', 'labeler_lead');
SELECT orgs.set_member_role('acme', 'carol', 'org_user');
SELECT orgs.act_as(NULL, false);
});

# A DBA changed the 0.1.0 model tables by hand (all 0.1.0 allowed): a
# permission added and granted, a default grant removed, an implication
# added.  The update keeps each change as the deployment's own.
$node->safe_psql('upgraded', q{
INSERT INTO orgs.permissions (scope, name, description) VALUES ('app', 'reports.export', 'Export reports.');
INSERT INTO orgs.role_app_baseline (role, permission) VALUES ('admin', 'reports.export'), ('org_user', 'reports.export');
INSERT INTO orgs.role_app_ceiling (role, permission) VALUES ('admin', 'reports.export'), ('org_user', 'reports.export');
DELETE FROM orgs.role_org_permissions WHERE role = 'team_contributor' AND permission = 'teams.view';
INSERT INTO orgs.org_permissions_from_app (org_permission, app_permission) VALUES ('teams.view', 'tasks.work');
UPDATE orgs.apps SET visibility = 'public' WHERE app_id = 'speech';
});

# The answers of 0.1.0, as the trusted superuser: every user, app and
# app-level permission; every user, org and org-level permission.
my $answers_sql = q{
SELECT string_agg(format('%s %s %s %s', u.handle, x.obj, x.perm, x.answer), E'\n'
                  ORDER BY u.handle, x.obj, x.perm)
  FROM orgs.users u,
       LATERAL (SELECT 'app:' || a.id AS obj, p.name AS perm,
                       orgs.has_app_permission(u.id, a.id, p.name) AS answer
                  FROM orgs.apps a, orgs.permissions p WHERE p.scope = 'app'
                UNION ALL
                SELECT 'org:' || o.id, p.name, orgs.has_org_permission(u.id, o.id, p.name)
                  FROM orgs.organizations o, orgs.permissions p WHERE p.scope = 'org') AS x
};
my $before = $node->safe_psql('upgraded', $answers_sql);
my $nanswers = () = $before =~ /\n/g;
cmp_ok($nanswers, '>', 1000, 'answers recorded before the update');

# Rows in the reference schema's tables (as the superuser, past their
# policies), keyed to the apps and orgs above.
$node->safe_psql('upgraded', q{
INSERT INTO example.models (app_id, name)
SELECT a.id, 'model of ' || a.app_id FROM orgs.apps a;
INSERT INTO example.clusters (org_id, cluster_id, region)
SELECT o.id, 'c1', 'eu-west' FROM orgs.organizations o;
});

# Contents of every data table of 0.1.0 (those pg_dump keeps: the model
# tables are the extension's and change with it), in the columns it had,
# and of the reference schema's tables.
my %columns;
my @example_tables = split /\n/, $node->safe_psql('upgraded',
	q{SELECT c.oid::regclass::text FROM pg_class c
	   WHERE c.relnamespace = 'example'::regnamespace AND c.relkind = 'r' ORDER BY 1});
for my $t (@{ orgs_config_relations($node, 'upgraded')->{tables} }, @example_tables)
{
	$columns{$t} = $node->safe_psql('upgraded', qq{
		SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		 WHERE attrelid = '$t'::regclass AND attnum > 0 AND NOT attisdropped});
}
my %contents;
for my $t (sort keys %columns)
{
	$contents{$t} = $node->safe_psql('upgraded',
		"SELECT count(*) || E' rows\\n' || coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\"), '')
		   FROM (SELECT ROW($columns{$t})::text AS r FROM $t) AS s");
}
my %seqs;
for my $s (@{ orgs_config_relations($node, 'upgraded')->{sequences} })
{
	$seqs{$s} = orgs_sequence_state($node, 'upgraded', $s);
}

# A session acting as bob, connected across the update.
my $session = $node->background_psql('upgraded');
$session->query_safe(q{SELECT orgs.act_as('bob', false)});
is($session->query_safe(q{SELECT orgs.current_user_handle()}), 'bob', 'session acts as bob');

# --- the update ---------------------------------------------------------------
$node->safe_psql('upgraded', 'ALTER EXTENSION pg_orgs UPDATE; ALTER EXTENSION pg_orgs_example UPDATE');
is($node->safe_psql('upgraded', q{SELECT extversion FROM pg_extension WHERE extname = 'pg_orgs'}),
	$current, "updated to $current");
is($node->safe_psql('upgraded', q{SELECT e.extversion = a.default_version
	FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
	WHERE e.extname = 'pg_orgs_example'}), 't', 'pg_orgs_example updated to its default version');

# (a) the catalog equals a fresh install's
for my $ext (qw(pg_orgs pg_orgs_example))
{
	my $diff = orgs_catalog_diff(orgs_catalog($node, 'fresh', $ext),
		orgs_catalog($node, 'upgraded', $ext));
	is($diff, '', "catalog of $ext in the updated database equals a fresh install (- fresh, + updated)");
}

# (b) data (0.2.0 replaced apps.visibility by is_public, with the same value)
for my $t (sort keys %columns)
{
	my $cols = $columns{$t};
	$cols =~ s/\bvisibility\b/(CASE WHEN is_public THEN 'public' ELSE 'private' END)/
	  if $t eq 'orgs.apps';
	my $now = $node->safe_psql('upgraded',
		"SELECT count(*) || E' rows\\n' || coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\"), '')
		   FROM (SELECT ROW($cols)::text AS r FROM $t) AS s");
	is($now, $contents{$t}, "contents of $t survive");
}
for my $s (sort keys %seqs)
{
	is(orgs_sequence_state($node, 'upgraded', $s), $seqs{$s}, "position of $s survives");
}
is($session->query_safe(q{SELECT orgs.current_user_handle()}), 'bob',
	'the connected session still acts as bob');
is($session->query_safe(q{SELECT orgs.has_app_permission('acme/vision', 'models.view')}), 't',
	'and its checks work');
$session->quit;
is($node->safe_psql('upgraded', q{
	SELECT orgs.act_as('grace', false) \g /dev/null
	SELECT orgs.accept_invitation((SELECT token FROM public.tokens WHERE who = 'grace'))
	     = (SELECT id FROM orgs.organizations WHERE org_id = 'acme');}),
	't', 'a token issued by 0.1.0 is accepted after the update');

# (c) the same answers, but for the documented changes of the model
my $after = $node->safe_psql('upgraded', $answers_sql . q{
	WHERE NOT (u.handle = 'grace')});
my $before_nograce = join("\n", grep { !/^grace / } split /\n/, $before);
my $expected = $before_nograce;
# 0.2.0: app.transfer on an org's app is held by admins only
$expected =~ s/^(bob app:\d+ app\.transfer) t$/$1 f/mg;
my @b = split /\n/, $expected;
my @a = split /\n/, $after;
is(scalar(@a), scalar(@b), 'as many answers after as before');
my @changed = grep { $a[$_] ne $b[$_] } 0 .. $#b;
is(scalar(@changed), 0, 'every check answers as before (but the documented changes)')
  or diag(join("\n", map { "before: $b[$_]\nafter:  $a[$_]" } @changed[0 .. ($#changed < 20 ? $#changed : 19)]));

# (d) the hand-made model of 0.1.0 is the deployment's own in 0.2.0: kept,
# marked as not default (so pg_dump keeps it), the removal recorded
is($node->safe_psql('upgraded', q{
	SELECT string_agg(format('%s %s %s', t, k, d), E'\n' ORDER BY t, k) FROM (
	  SELECT 'permissions' AS t, name AS k, is_default AS d FROM orgs.permissions WHERE name = 'reports.export'
	  UNION ALL SELECT 'baseline', role || ' ' || permission, is_default FROM orgs.role_app_baseline WHERE permission = 'reports.export'
	  UNION ALL SELECT 'ceiling', role || ' ' || permission, is_default FROM orgs.role_app_ceiling WHERE permission = 'reports.export'
	  UNION ALL SELECT 'implication', org_permission || ' ' || app_permission, is_default FROM orgs.org_permissions_from_app
	  UNION ALL SELECT 'removed', key::text, NULL FROM orgs.model_removed) x}),
	join("\n",
		'baseline admin reports.export f',
		'baseline org_user reports.export f',
		'ceiling admin reports.export f',
		'ceiling org_user reports.export f',
		'implication clusters.view clusters.view t',
		'implication teams.view tasks.work f',
		'permissions reports.export f',
		'removed {"role": "team_contributor", "permission": "teams.view", "role_scope": 0} '),
	'the hand-made model of 0.1.0 is kept as the deployment\'s own');
is($node->safe_psql('upgraded', q{SELECT count(*) FROM orgs.load_model(orgs.model_json())}), '0',
	'the updated model loads onto itself without a change');

$node->stop;
done_testing();
