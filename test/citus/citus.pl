
# pg_orgs on a Citus cluster: the same answers as on a single node.
#
# Run by test/citus.sh (make test-citus) against a PostgreSQL installation
# where Citus is installed.  Four throw-away servers: a coordinator and two
# workers with Citus (the coordinator in the metadata, so that it holds a
# copy of the reference tables), and a single node without Citus.
#
#  1. Conformance.  The preparation of sql/rls_conformance.sql (pg_orgs, the
#     reference schema pg_orgs_example, the seed, the cases, the actors and
#     the expectation written from PERMISSIONS.md) runs on both; on the
#     cluster, orgs.citus_setup() and example.distribute() then distribute
#     what was seeded.  Every case runs as every actor, through the
#     coordinator, each in a transaction of its own (test/citus/runner.sql).
#     Every outcome of the cluster must equal the single node's, but for
#     the differences listed in %known_difference (with why), and the
#     single node's must equal the expectation.
#  2. Placements.  Every reference table holds the same rows on every node
#     (the triggers that fire on each node's copy did the same work).
#  3. Revocation.  A grant removed through the coordinator is seen at the
#     next statement by the worker backends that served an earlier query
#     of the same session (the same backends: checked by their pids), and
#     by a session connected to a worker; a grant given back likewise.
#  4. The acting-user token.  Forged, altered, expired and replayed tokens
#     (in another transaction, by another role, on a worker directly) give
#     no acting user on the workers; a forwarded query never acts as the
#     user linked to the connecting role; session-level act_as is refused.
#  5. protect_table on a table distributed before it is protected: the
#     policies reach the shards and WITH CHECK holds on the workers.
#  6. Invitations decided and rescinded, an org's own role defined and
#     given, through the coordinator: the single node's outcome.
#  7. Every function of the API that writes, and the look-ups, once
#     through the coordinator (a scripted life of an extra org and the DBA's
#     model functions): no error, the single node's output.
#  8. Verified tokens: a JWT key written through the coordinator, act_as_jwt
#     and the PostgREST pre-request function, an altered token refused.

use strict;
use warnings;

use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url);

my $conformance = $ENV{PG_ORGS_CONFORMANCE} // "$FindBin::RealBin/../../sql/rls_conformance.sql";
my $runner = "$FindBin::RealBin/runner.sql";
my $db = 'conformance';

# --- the servers ---------------------------------------------------------------
my %nodes;
for my $name (qw(coordinator worker1 worker2 single))
{
	my $n = PostgreSQL::Test::Cluster->new($name);
	$n->init;
	$n->append_conf('postgresql.conf', <<'CONF') if $name ne 'single';
shared_preload_libraries = 'citus'
max_prepared_transactions = 100
max_connections = 200
CONF
	$n->start;
	$n->safe_psql('postgres', "CREATE DATABASE $db");
	$nodes{$name} = $n;
}
my ($coord, $w1, $w2, $single) = @nodes{qw(coordinator worker1 worker2 single)};
for my $n ($coord, $w1, $w2)
{
	$n->safe_psql($db, 'CREATE EXTENSION citus');
}
$coord->safe_psql($db, sprintf(q{SELECT citus_set_coordinator_host('%s', %d)}, $coord->host, $coord->port));
for my $w ($w1, $w2)
{
	$coord->safe_psql($db, sprintf(q{SELECT citus_add_node('%s', %d)}, $w->host, $w->port));
}
is($coord->safe_psql($db, 'SELECT count(*) FROM pg_dist_node WHERE isactive'), '3',
	'Citus cluster: a coordinator and two workers');

# --- 1. conformance --------------------------------------------------------------
# The preparation: sql/rls_conformance.sql from its BEGIN to the run, temp
# tables made ordinary (the runner uses them in transactions of its own).
open my $fh, '<', $conformance or die "$conformance: $!";
my $text = do { local $/; <$fh> };
close $fh;
my ($prep) = $text =~ /^BEGIN;\n(.*?)^-{10,}\n-- Run every case as every actor/ms
  or die "cannot find the preparation in $conformance";
$prep =~ s/CREATE TEMP TABLE/CREATE TABLE/g;
ok($prep =~ /CREATE EXTENSION pg_orgs_example/ && $prep =~ /INSERT INTO rls_expected/,
	'the preparation was found in sql/rls_conformance.sql');
for my $n ($coord, $single)
{
	$n->safe_psql($db, "SET client_min_messages = warning; CREATE EXTENSION pg_orgs;\n$prep");
	is($n->safe_psql($db, q{SELECT count(*) || ' cases, ' || count(*) FILTER (WHERE stmt ~ 'UNRESOLVED|unresolved' OR stmt IS NULL) || ' unresolved' FROM rls_cases}),
		'127 cases, 0 unresolved', $n->name . ': seed and cases prepared, every token resolved');
	$n->safe_psql($db, 'ALTER ROLE regress_rls_app LOGIN');
}

# Distribute what was seeded.
$coord->safe_psql($db, 'SET client_min_messages = warning; SELECT count(*) FROM orgs.citus_setup(); SELECT example.distribute();');
is($coord->safe_psql($db, q{
	SELECT count(*) FILTER (WHERE p.partmethod <> 'n' OR p.repmodel <> 't')
	  FROM pg_dist_partition p
	 WHERE p.logicalrelid::regclass::text LIKE 'orgs.%'}), '0',
	'every table of pg_orgs is a reference table');
is($coord->safe_psql($db, q{
	SELECT string_agg(c.relname, ',' ORDER BY c.relname)
	  FROM pg_class c
	 WHERE c.relnamespace IN ('orgs'::regnamespace, 'example'::regnamespace) AND c.relkind = 'r'
	   AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)}), '',
	'no table of pg_orgs or of the reference schema is left local');
is($coord->safe_psql($db, q{
	SELECT count(DISTINCT p.colocationid) || ' groups; by app_id: ' ||
	       count(*) FILTER (WHERE p.partmethod = 'h' AND column_to_column_name(p.logicalrelid, p.partkey) = 'app_id') ||
	       ', by org_id: ' ||
	       count(*) FILTER (WHERE p.partmethod = 'h' AND column_to_column_name(p.logicalrelid, p.partkey) = 'org_id')
	  FROM pg_dist_partition p
	 WHERE p.logicalrelid::regclass::text LIKE 'example.%'}),
	'2 groups; by app_id: 19, by org_id: 7',
	'reference schema: app-scoped tables by app_id, org-scoped by org_id, two co-location groups');
# every trigger of every shard, on every node, as enabled as its table's
for my $n ($coord, $w1, $w2)
{
	is($n->safe_psql($db, q{SET citus.show_shards_for_app_name_prefixes = '*';
		SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		 WHERE c.relnamespace IN ('orgs'::regnamespace, 'example'::regnamespace)
		   AND NOT t.tgisinternal AND t.tgenabled <> 'O'}), '0',
		$n->name . ': every trigger of the tables and their shards is enabled');
}
is($coord->safe_psql($db, q{SELECT count(*) FROM orgs.users}),
	$single->safe_psql($db, q{SELECT count(*) FROM orgs.users}), 'the seed was copied');

my %results;
for my $n ($coord, $single)
{
	$n->safe_psql($db, "SET client_min_messages = warning;\n" . slurp_file($runner));
	$n->safe_psql($db, 'SET client_min_messages = error; SET ROLE regress_rls_app; CALL public.rls_run_each()');
	my $out = $n->safe_psql($db, q{SELECT actor || ' ' || tbl || ' ' || op || '|' || got || '|' || coalesce(message, '')
	                                  FROM rls_results ORDER BY 1});
	$results{ $n->name } = { map { my ($k, $g, $m) = split /\|/, $_, 3; ($k => [ $g, $m ]) } split /\n/, $out };
}
my $expected = $single->safe_psql($db, q{SELECT actor || ' ' || tbl || ' ' || op || '|' || want FROM rls_expected ORDER BY 1});
my %want = map { split /\|/, $_, 2 } split /\n/, $expected;

# Where Citus answers otherwise, and why.
my %known_difference = (
	'models move' => [ qr/^E0A000$/,
		'UPDATE of app_id moves a row to another app: its distribution column; Citus refuses it (modifying the partition value of rows is not allowed)' ],
);
my ($single_ok, $same, $known, @unexpected) = (0, 0, 0);
my %single = %{ $results{single} };
my %cluster = %{ $results{coordinator} };
is(scalar(keys %cluster), scalar(keys %single), 'as many outcomes on the cluster as on the single node');
for my $k (sort keys %single)
{
	my ($actor, $tbl, $op) = split / /, $k;
	$single_ok++ if defined $want{$k} && $want{$k} eq $single{$k}[0];
	my $c = $cluster{$k};
	if (defined $c && $c->[0] eq $single{$k}[0])
	{
		$same++;
	}
	elsif (defined $c && $known_difference{"$tbl $op"} && $c->[0] =~ $known_difference{"$tbl $op"}[0])
	{
		$known++;
	}
	else
	{
		push @unexpected, sprintf('%s: single %s, cluster %s (%s)', $k, $single{$k}[0],
			defined $c ? $c->[0] : 'not run', defined $c ? $c->[1] : '');
	}
}
is($single_ok, scalar(keys %want), "single node: every one of the " . scalar(keys %want) . " outcomes as expected (PERMISSIONS.md)");
is(scalar(@unexpected), 0, 'cluster: no outcome differs from the single node but the known differences')
  or diag(join("\n", @unexpected[ 0 .. ($#unexpected < 40 ? $#unexpected : 40) ]));
note(sprintf('== conformance: %d outcomes (%d cases x %d actors); cluster = single node: %d; known differences: %d; unexpected: %d',
	scalar(keys %single), scalar(keys %single) / 11, 11, $same, $known, scalar(@unexpected)));
for my $case (sort keys %known_difference)
{
	note("== known difference: $case: $known_difference{$case}[1]");
}
is($same + $known, scalar(keys %single), 'every outcome accounted for');

# The views, as every actor (and an invitee who is not a member) sees them:
# the same rows on both (their columns but timestamps and keys).
my %view_columns = (
	'orgs.me' => 'handle, email, first_name, last_name',
	'orgs.my_orgs' => 'org_id, name, role',
	'orgs.my_invitations' => 'org_id, org_name, role, invited_by',
	'orgs.org_invitations' => 'org_id, email, role, state, invited_by',
	'orgs.org_members' => 'org_id, user_handle, role, email, first_name, last_name',
	'orgs.org_teams' => 'org_id, team_id, name, default_permission, members, apps',
	'orgs.app_teams' => 'app, org_id, team_id, team_name, permission',
	'example.team_member_names' => 'org_id, team_id, user_handle, first_name, last_name');
for my $n ($coord, $single)
{
	$n->safe_psql($db, q{BEGIN; SELECT orgs.act_as('rls-admin');
		SELECT count(*) FROM orgs.invite('rls-acme', 'rls-collab@example.com', 'org_user'); COMMIT;});
}
my ($views_same, @views_differ) = (0);
for my $actor (qw(rls-admin rls-finance rls-contrib rls-user rls-teamless rls-infra rls-full rls-trainer
	rls-lead rls-worker rls-outsider rls-collab))
{
	for my $view (sort keys %view_columns)
	{
		my $q = qq{BEGIN; SET LOCAL ROLE regress_rls_app; SELECT orgs.act_as('$actor');
			SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, ';' ORDER BY r::text), ''))
			  FROM (SELECT $view_columns{$view} FROM $view) r; COMMIT;};
		my $a = $coord->safe_psql($db, $q);
		my $b = $single->safe_psql($db, $q);
		if ($a eq $b) { $views_same++ } else { push @views_differ, "$actor $view: cluster $a, single $b" }
	}
}
is(scalar(@views_differ), 0, "the views: each of the 8 shows every one of 12 users the same rows as on the single node ($views_same)")
  or diag(join("\n", @views_differ));

# --- helpers for the rest --------------------------------------------------------
my %id = map { split /\|/ } split /\n/, $coord->safe_psql($db, q{SELECT token || '|' || id FROM rls_ids});
sub key_of { my $k = $id{"{$_[0]}"}; defined $k or die "no key for $_[0]"; return $k; }
my $A = key_of('A');

# A distributed table without row-level security, readable by everyone,
# with rows on both workers: a query on it runs on every worker, and a
# function in its target list tells what the workers think.
$coord->safe_psql($db, q{
	CREATE TABLE public.probe (k bigint PRIMARY KEY);
	SELECT create_distributed_table('public.probe', 'k');
	INSERT INTO public.probe SELECT g FROM generate_series(1, 64) g;
	GRANT SELECT ON public.probe TO PUBLIC;
});
is($coord->safe_psql($db, q{
	SELECT count(DISTINCT p.nodeport)
	  FROM generate_series(1, 64) g
	  JOIN pg_dist_shard_placement p ON p.shardid = get_shard_id_for_distribution_column('public.probe', g)}),
	'2', 'probe rows live on both workers');
# what the workers see: rows whose acting user is set / is this handle
my $probe = q{SELECT count(*) FILTER (WHERE orgs.current_user_id() IS NOT NULL) || '/' || count(*) FROM public.probe};
sub probe_handle { return qq{SELECT count(*) FILTER (WHERE orgs.current_user_handle() = '$_[0]') || '/' || count(*) FROM public.probe} }

# --- 2. placements -------------------------------------------------------------
sub placements_identical
{
	my ($label) = @_;
	my @shards = split /\n/, $coord->safe_psql($db, q{
		SELECT p.logicalrelid::regclass || ' ' || s.shardid FROM pg_dist_partition p JOIN pg_dist_shard s USING (logicalrelid)
		 WHERE p.logicalrelid::regclass::text LIKE 'orgs.%' ORDER BY 1});
	my $bad = 0;
	for my $line (@shards)
	{
		my ($rel, $shard) = split / /, $line;
		my %sum;
		for my $n ($coord, $w1, $w2)
		{
			$sum{ $n->name } = $n->safe_psql($db, "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ${rel}_$shard t");
		}
		my %distinct = map { $_ => 1 } values %sum;
		if (keys %distinct != 1) { $bad++; diag("$rel differs between the nodes' copies") }
	}
	is($bad, 0, sprintf('%s: the %d reference tables of pg_orgs hold the same rows on all three nodes', $label, scalar(@shards)));
}
placements_identical('after the conformance run');

# --- 3. revocation on every node ------------------------------------------------
my $models = q{SELECT count(*) FROM example.models};
# an ordinary session on the coordinator, one connection per worker (so that
# the same worker backends serve each transaction), and a session on a worker
my $s = $coord->background_psql($db, on_error_stop => 0);
$s->query_safe('SET ROLE regress_rls_app');
# (SET LOCAL reaches the workers in this session: the token tests below
# set tokens of their own; act_as needs no such setting)
$s->query_safe(q{SET citus.propagate_set_commands = 'local'});
$s->query_safe('SET citus.max_adaptive_executor_pool_size = 1');
# (privileges on the functions of an extension are not propagated by
# Citus: a role that calls act_as on a worker needs it granted there)
$coord->safe_psql($db, q{SELECT run_command_on_workers($$GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_rls_app$$)});
my $w = $w1->background_psql($db, on_error_stop => 0);
$w->query_safe('SET ROLE regress_rls_app');
sub as_actor
{
	my ($session, $handle, $sql) = @_;
	$session->{stderr} = '';
	my $out = $session->query_safe("BEGIN; SELECT orgs.act_as('$handle'); $sql; COMMIT;");
	my @lines = grep { $_ ne '' } split /\n/, $out;
	return $lines[-1];
}
my $pids = q{SELECT string_agg(DISTINCT pg_backend_pid()::text, ',' ORDER BY pg_backend_pid()::text) FROM public.probe};
my $check_a = "SELECT coalesce(orgs.has_app_permission($A, 'models.view')::text, 'null')";

my $before_pids = as_actor($s, 'rls-trainer', $pids);
is(as_actor($s, 'rls-trainer', $models), '3', 'trainer (team model_trainer on A) sees the 3 models of A through the coordinator');
is(as_actor($w, 'rls-trainer', $check_a), 'true', 'a session on worker 1: the trainer holds models.view on A');
is(as_actor($w, 'rls-trainer', $models), '3', 'a session on worker 1: the same 3 models (worker 1 as the initiator)');
$coord->safe_psql($db, q{BEGIN; SELECT orgs.act_as('rls-admin'); SELECT orgs.remove_team_member('rls-acme', 'trainer', 'rls-trainer'); COMMIT;});
is(as_actor($s, 'rls-trainer', $models), '0', 'revoked (removed from the team): the next statement through the coordinator sees none');
is(as_actor($s, 'rls-trainer', $pids), $before_pids, '... answered by the same worker backends that had served it before');
is(as_actor($w, 'rls-trainer', $check_a), 'null', 'the session on worker 1 sees the revocation at its next statement');
is(as_actor($w, 'rls-trainer', $models), '0', '... and so do the worker backends serving it');
$coord->safe_psql($db, q{BEGIN; SELECT orgs.act_as('rls-admin'); SELECT orgs.add_team_member('rls-acme', 'trainer', 'rls-trainer'); COMMIT;});
is(as_actor($s, 'rls-trainer', $models), '3', 'granted back: seen at once through the coordinator');
is(as_actor($w, 'rls-trainer', $check_a), 'true', '... and on worker 1');

# a change of the model itself (every cache of every node is reset)
is(as_actor($s, 'rls-user', $models), '4', 'org_user sees the 4 models of A and B');
$coord->safe_psql($db, q{DELETE FROM orgs.role_app_baseline WHERE role_scope = 0 AND role = 'org_user' AND permission = 'models.view'});
is(as_actor($s, 'rls-user', $models), '0', 'models.view taken from the role org_user: seen at once through the coordinator');
is(as_actor($w, 'rls-user', $models), '0', '... and on worker 1');
$coord->safe_psql($db, q{INSERT INTO orgs.role_app_baseline (role_scope, role, permission) VALUES (0, 'org_user', 'models.view')});
is(as_actor($s, 'rls-user', $models), '4', 'given back: seen at once');
is(as_actor($w, 'rls-user', $models), '4', '... and on worker 1');
placements_identical('after the revocations');

# --- 4. the acting-user token ---------------------------------------------------
my $n_probe = $coord->safe_psql($db, 'SELECT count(*) FROM public.probe');
is(as_actor($s, 'rls-admin', $probe), "$n_probe/$n_probe", 'with act_as, every worker knows the acting user');
is(as_actor($s, 'rls-admin', probe_handle('rls-admin')), "$n_probe/$n_probe", '... as rls-admin');
sub in_xact
{
	my ($session, $sql) = @_;
	$session->{stderr} = '';
	my ($out, $failed) = $session->query("BEGIN; $sql; COMMIT;");
	return $failed ? 'ERROR: ' . ($session->{stderr} =~ s/\n.*//sr) : (grep { $_ ne '' } split /\n/, $out)[-1];
}
is(in_xact($s, $probe), "0/$n_probe", 'without act_as: nobody on the workers');
my $admin_id = key_of('rls-admin');

# a real token, kept to be replayed
my $token = in_xact($s, "SELECT orgs.act_as('rls-user'); SELECT current_setting('pg_orgs.acting_token')");
like($token, qr/^\d+\.\d+\.\d+:\d+:\d+:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'act_as sets a token: user.expiry.binding.mac');
my ($t_user, $t_exp, $t_bind, $t_mac) = split /\./, $token;

is(in_xact($s, "SET LOCAL pg_orgs.acting_token = '$token'; $probe"), "0/$n_probe",
	'replayed in another transaction: nobody on the workers');
is(in_xact($s, "SET LOCAL pg_orgs.acting_token = '$token'; SELECT coalesce(orgs.current_user_handle(), '<nobody>')"),
	'<nobody>', '... nor on the coordinator (a token that does not verify never falls back to a linked user)');
my $forged = "$admin_id.9999999999.0:1:1:cmVncmVzc19ybHNfYXBw." . ('A' x 43);	# role regress_rls_app
is(in_xact($s, "SET LOCAL pg_orgs.acting_token = '$forged'; $probe"), "0/$n_probe", 'forged token: nobody');

# altered: a token of this very transaction with one part changed, set
# with SET LOCAL (this session propagates SET LOCAL, as anyone may)
sub altered
{
	my ($change) = @_;
	$s->{stderr} = '';
	my $t = (grep { $_ ne '' } split /\n/,
		$s->query_safe(q{BEGIN; SELECT orgs.act_as('rls-user'); SELECT current_setting('pg_orgs.acting_token')}))[-1];
	my @p = split /\./, $t;
	$change->(\@p);
	my $x = join '.', @p;
	my $out = $s->query_safe("SET LOCAL pg_orgs.acting_token = '$x'; $probe; COMMIT;");
	return (grep { $_ ne '' } split /\n/, $out)[-1];
}
is(altered(sub { }), "$n_probe/$n_probe",
	'control: the token of the transaction, set again with SET LOCAL, verifies on the workers');
is(altered(sub { $_[0][0] = $admin_id }), "0/$n_probe", 'altered user id (rls-user -> rls-admin): nobody');
is(altered(sub { $_[0][1] += 3600 }), "0/$n_probe", 'altered expiry: nobody');
is(altered(sub { $_[0][3] =~ tr/A-Za-z/B-ZAb-za/ }), "0/$n_probe", 'altered MAC: nobody');
is(altered(sub { $_[0][2] =~ s/^(\d+):(\d+):/$1:999999:/ }), "0/$n_probe",
	'altered binding (another distributed transaction): nobody');

# expired: a session whose tokens live one second (pg_orgs.acting_token_lifetime
# is for superusers to set; this session's role is an ordinary one)
$coord->safe_psql($db, q{CREATE ROLE regress_short LOGIN;
	GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_short;});
my $short = $coord->background_psql($db, on_error_stop => 0);
$short->query_safe('SET pg_orgs.acting_token_lifetime = 1');
$short->query_safe('SET ROLE regress_short');
$short->query_safe('SELECT orgs.current_user_id()');	# (the library is loaded)
like(in_xact($short, q{SET LOCAL pg_orgs.acting_token_lifetime = 3600}), qr/permission denied to set parameter "pg_orgs.acting_token_lifetime"/,
	'an ordinary role cannot lengthen the lifetime');
my $sneaky = $coord->background_psql($db, on_error_stop => 0, extra_params => [ '-U', 'regress_short' ]);
$sneaky->query('SET pg_orgs.acting_token_lifetime = 3600');	# before the library is loaded
$sneaky->query('SELECT orgs.current_user_id()');
$sneaky->{stderr} = '';
is($sneaky->query_safe('SHOW pg_orgs.acting_token_lifetime'), '15min',
	'... nor by setting it before the library is loaded (the default, 15 minutes, stays)');
$sneaky->quit;
is(in_xact($short, qq{SELECT orgs.act_as('rls-admin'); $probe}), "$n_probe/$n_probe",
	'lifetime 1 s: valid at first (and act_as carries the token with citus.propagate_set_commands at its default, none)');
is(in_xact($short, qq{SELECT orgs.act_as('rls-admin'); SELECT pg_sleep(2.2); $probe}), "0/$n_probe",
	'expired after 2 s: nobody on the workers');
is(in_xact($short, qq{SELECT orgs.act_as('rls-admin'); SELECT pg_sleep(2.2); SELECT orgs.current_user_handle()}), 'rls-admin',
	'... while the coordinator, where act_as was called, still knows it');
$short->quit;

# replayed by another role in the same transaction: Citus connects as that role
$coord->safe_psql($db, q{CREATE ROLE regress_other LOGIN; GRANT regress_other TO regress_rls_app;});
is(in_xact($s, qq{SELECT orgs.act_as('rls-admin'); SET LOCAL ROLE regress_other; $probe}), "0/$n_probe",
	'the same transaction under another role (SET ROLE): the token is not that role\'s, nobody on the workers');

# on a worker directly: the token, or an assigned distributed transaction id, forged
my $wd = $w2->background_psql($db, on_error_stop => 0);
$wd->query_safe('SET ROLE regress_rls_app');
is(in_xact($wd, "SET LOCAL pg_orgs.acting_token = '$token'; SELECT coalesce(orgs.current_user_handle(), '<nobody>')"),
	'<nobody>', 'worker 2, a client setting a token of another transaction: nobody');
is(in_xact($wd, "SELECT assign_distributed_transaction_id(0, 1234567, now()); SET LOCAL pg_orgs.acting_token = '$token'; SELECT coalesce(orgs.current_user_handle(), '<nobody>')"),
	'<nobody>', '... with a distributed transaction id of its own choosing: nobody');
$wd->quit;

# a linked role: acts as its user where it runs, but a forwarded query never
# falls back to the connecting role's link
$coord->safe_psql($db, q{CREATE ROLE regress_linked LOGIN; SELECT orgs.link_db_role('rls-admin', 'regress_linked');});
my $l = $w1->background_psql($db, on_error_stop => 0);
$l->query_safe('SET ROLE regress_linked');
is($l->query_safe(q{SELECT coalesce(orgs.current_user_handle(), '<nobody>')}), 'rls-admin',
	'worker 1, a linked role in its own session: its user');
$l->query_safe(q{SET application_name = 'citus_internal gpid=10000012345'});
is($l->query_safe(q{SELECT coalesce(orgs.current_user_handle(), '<nobody>')}), '<nobody>',
	'... the same in a backend serving a distributed query (citus_internal): nobody, no fall-back');
$l->quit;
my $lc = $coord->background_psql($db, on_error_stop => 0);
$lc->query_safe('SET ROLE regress_linked');
is($lc->query_safe($probe), "0/$n_probe", 'the linked role through the coordinator, without act_as: nobody on the workers');
$lc->quit;

# session-level act_as: refused with a clear error
$s->{stderr} = '';
my ($o, $failed) = $s->query(q{SELECT orgs.act_as('rls-admin', false)});
ok($failed && $s->{stderr} =~ /is_local = false is not supported on a Citus cluster/,
	'session-level act_as is refused on a Citus cluster');
# a GUC value that is not a token at all, and one too long
is(in_xact($s, q{SET LOCAL pg_orgs.acting_token = 'rls-admin'; } . $probe), "0/$n_probe", 'a handle as the token: nobody');
like(in_xact($s, q{SET LOCAL pg_orgs.acting_token = '} . ('1' x 300) . q{'; SELECT 1}), qr/^ERROR: .*invalid value/,
	'a token longer than 256 bytes is refused');

# --- 5. protect_table on a distributed table -------------------------------------
$coord->safe_psql($db, q{
	SET citus.enable_local_reference_table_foreign_keys = off;
	CREATE TABLE public.notes (app_id bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
	                           id bigint GENERATED ALWAYS AS IDENTITY, body text,
	                           PRIMARY KEY (app_id, id));
	SELECT create_distributed_table('public.notes', 'app_id', colocate_with => 'example.models');
	SELECT orgs.protect_table('public.notes', 'app_id', resource => 'models');
	GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO PUBLIC;
});
my $shard_policies = q{SET citus.show_shards_for_app_name_prefixes = '*';
	SELECT count(DISTINCT c.oid) || ' shards, ' || count(*) || ' policies, force ' || bool_and(c.relforcerowsecurity)
	  FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
	 WHERE c.relname ~ '^notes_[0-9]+$' AND p.polname LIKE 'pg_orgs_%'};
like($w1->safe_psql($db, $shard_policies), qr/^(\d+) shards, (\d+) policies, force true$/, 'the policies of protect_table reach the shards on worker 1');
my ($ns, $np) = $w1->safe_psql($db, $shard_policies) =~ /^(\d+) shards, (\d+) policies/;
is($np, 4 * $ns, '... four on each shard');
is(as_actor($s, 'rls-trainer', "INSERT INTO public.notes (app_id, body) VALUES ($A, 'trained') RETURNING 1"), '1',
	'trainer (models.create on A) inserts into A');
like(in_xact($s, "SELECT orgs.act_as('rls-user'); INSERT INTO public.notes (app_id, body) VALUES ($A, 'no')"),
	qr/new row violates row-level security policy for table "notes_\d+"/,
	'org_user (no models.create): WITH CHECK refuses the row on the worker');
is(as_actor($s, 'rls-trainer', 'SELECT count(*) FROM public.notes'), '1', 'the trainer reads it back');
is(as_actor($s, 'rls-outsider', 'SELECT count(*) FROM public.notes'), '0', 'the outsider does not');
my ($ok_sub, $out_sub, $err_sub) = $coord->psql($db, q{SELECT orgs.protect_table('public.notes', 'app_id', resource => 'models',
	row_filter => 'EXISTS (SELECT 1 FROM public.probe p WHERE p.k = app_id)')});
like($err_sub, qr/row_filter cannot hold a sub-query: public\.notes is a Citus table/,
	'protect_table refuses a row_filter with a sub-query on a Citus table, and says why');
is(as_actor($s, 'rls-trainer', 'SELECT count(*) FROM public.notes'), '1', '... and leaves the policies as they were');

# --- 6. Invitations decided and an org's own role, through the coordinator --------
# accept, decline and rescind lock the rows of the invitation's org and role,
# define_org_role the permissions it grants, set_member_role and invite the
# role they give, before they write (row locks on reference tables, which
# the coordinator takes on every node's copy): the same outcome as on the
# single node.
my $decisions = q{BEGIN; SELECT orgs.act_as('rls-collab');
	SELECT orgs.accept_invitation((SELECT id FROM orgs.invitations
	                                WHERE email = 'rls-collab@example.com' AND state = 'pending')) > 0;
	COMMIT;
	BEGIN; SELECT orgs.act_as('rls-admin');
	SELECT orgs.define_org_role('rls-acme', 'rls_curator', 'Curates', ARRAY['org.view'],
	                            ARRAY['app.view', 'models.view'], ARRAY['app.view', 'models.view']);
	SELECT orgs.set_member_role('rls-acme', 'rls-collab', 'rls_curator');
	SELECT count(*) FROM orgs.invite('rls-acme', 'rls-later@example.com', 'rls_curator');
	SELECT orgs.rescind_invitation((SELECT id FROM orgs.invitations
	                                 WHERE email = 'rls-later@example.com' AND state = 'pending'));
	SELECT count(*) FROM orgs.invite('rls-acme', 'rls-outsider@example.com', 'org_user');
	COMMIT;
	BEGIN; SELECT orgs.act_as('rls-outsider');
	SELECT orgs.decline_invitation((SELECT id FROM orgs.invitations
	                                 WHERE email = 'rls-outsider@example.com' AND state = 'pending'));
	COMMIT;
	SELECT (SELECT m.role FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id
	          JOIN orgs.organizations o ON o.id = m.org_id
	         WHERE u.handle = 'rls-collab' AND o.org_id = 'rls-acme')
	       || ' ' || (SELECT string_agg(i.email || ':' || i.state, ',' ORDER BY i.email) FROM orgs.invitations i
	                   WHERE i.email IN ('rls-collab@example.com', 'rls-later@example.com', 'rls-outsider@example.com'))
	       || ' ' || (SELECT string_agg(g.permission, ',' ORDER BY g.permission) FROM orgs.role_app_baseline g
	                   WHERE g.role = 'rls_curator');};
my $on_single = $single->safe_psql($db, $decisions);
is($coord->safe_psql($db, $decisions), $on_single,
	'accept, define_org_role, set_member_role, invite, rescind, decline through the coordinator: as on the single node');
like($on_single, qr/^rls_curator rls-collab\@example.com:accepted,rls-later\@example.com:rescinded,rls-outsider\@example.com:declined app.view,models.view$/m,
	'... which is what the calls do');

# --- 7. The API through the coordinator ------------------------------------------
# Every function that writes, once, and the look-ups: a user registered
# and acting by an external id, a scripted life of an extra organization
# (created, changed, its apps, teams, own roles, an invitation accepted, a
# member leaving, deleted) and the DBA's model functions: no error on
# either node, and the same output (keys left out: they are the nodes' own).
my $life = q{\set ON_ERROR_STOP 0
SELECT orgs.register_user('rls-newbie', 'rls-newbie@example.com', 'New', 'Bie') > 0 AS registered;
SELECT orgs.set_external_id('rls-newbie', 'ext-newbie');
BEGIN; SELECT orgs.act_as_subject('ext-newbie'); SELECT orgs.current_user_handle(); COMMIT;
BEGIN; SELECT orgs.act_as('rls-admin');
SELECT orgs.create_org('rls-x', 'Extra') > 0 AS org_created;
SELECT orgs.update_org('rls-x', name => 'Extra Corp', billing_email => 'bill@example.com');
SELECT orgs.create_app('rls-x', 'xa1') > 0 AS app1, orgs.create_app('rls-x', 'xa2') > 0 AS app2,
       orgs.create_app('rls-admin', 'mine') > 0 AS personal;
SELECT orgs.transfer_app('rls-admin/mine', 'rls-x');
SELECT orgs.update_app('rls-x/mine', new_app_id => 'ours', description => 'Ours now');
SELECT orgs.create_team('rls-x', 'xt', 'XT', 'labeler_worker') > 0 AS team;
SELECT orgs.rename_team('rls-x', 'xt', 'XT renamed');
SELECT orgs.set_team_default_permission('rls-x', 'xt', 'labeler_lead');
SELECT orgs.add_team_app('rls-x', 'xt', 'rls-x/xa1');
SELECT orgs.set_team_app_permission('rls-x', 'xt', 'rls-x/xa1', 'model_trainer');
SELECT orgs.add_team_app('rls-x', 'xt', 'rls-x/xa2');
SELECT orgs.remove_team_app('rls-x', 'xt', 'rls-x/xa2');
SELECT orgs.define_org_role('rls-x', 'xr', 'X role', ARRAY['org.view'], ARRAY['app.view'], ARRAY['app.view', 'models.view']);
SELECT orgs.rename_org_role('rls-x', 'xr', 'xr2');
SELECT name, own, org_permissions, baseline, ceiling FROM orgs.org_roles('rls-x') WHERE own;
SELECT count(*) AS invited FROM orgs.invite('rls-x', 'rls-user@example.com', 'xr2');
COMMIT;
BEGIN; SELECT orgs.act_as('rls-user');
SELECT orgs.accept_invitation((SELECT i.id FROM orgs.invitations i JOIN orgs.organizations o ON o.id = i.org_id
                                WHERE o.org_id = 'rls-x' AND i.state = 'pending')) > 0 AS joined;
SELECT orgs.mark_notification_read((SELECT max(n.id) FROM orgs.notifications n JOIN orgs.users u ON u.id = n.user_id
                                     WHERE u.handle = 'rls-user'));
COMMIT;
BEGIN; SELECT orgs.act_as('rls-admin');
SELECT orgs.add_team_member('rls-x', 'xt', 'rls-user');
SELECT orgs.has_app_permission('rls-user', 'rls-x/xa1', 'models.view') AS user_models,
       orgs.has_org_permission('rls-user', 'rls-x', 'org.view') AS user_org_view,
       orgs.app_permissions('rls-user', 'rls-x/xa1') AS user_perms,
       orgs.lookup_app('rls-x/ours') > 0 AS ours_known, orgs.lookup_org('rls-x') > 0 AS org_known,
       orgs.lookup_user('rls-user') > 0 AS user_known;
SELECT event, email, user_handle, org_id FROM orgs.notification_for_delivery(
           (SELECT max(n.id) FROM orgs.notifications n JOIN orgs.organizations o ON o.id = n.org_id
             WHERE o.org_id = 'rls-x'));
SELECT user_handle, via FROM orgs.who_can('rls-x/xa1', 'models.view') ORDER BY 1, 2;
SELECT granted, via FROM orgs.explain_app_permission('rls-user', 'rls-x/xa1', 'models.view');
SELECT orgs.set_member_role('rls-x', 'rls-user', 'org_user');
SELECT orgs.drop_org_role('rls-x', 'xr2');
SELECT orgs.remove_team_member('rls-x', 'xt', 'rls-user');
COMMIT;
BEGIN; SELECT orgs.act_as('rls-user');
SELECT cardinality(orgs.apps_with_permission('app.view')) > 0 AS sees_apps,
       cardinality(orgs.orgs_with_permission('org.view')) > 0 AS sees_orgs;
SELECT orgs.leave_org('rls-x');
COMMIT;
BEGIN; SELECT orgs.act_as('rls-admin');
SELECT orgs.delete_team('rls-x', 'xt');
SELECT orgs.delete_app('rls-x/ours');
SELECT orgs.expire_invitations() >= 0 AS expired;
SELECT orgs.delete_org('rls-x', drop_apps => true);
COMMIT;
SELECT orgs.define_permission('app', 'xx.use', 'Use xx');
SELECT orgs.define_level('xlv', 'X level', ARRAY['app.view', 'xx.use']);
SELECT orgs.rename_level('xlv', 'xlv2');
SELECT orgs.drop_level('xlv2');
SELECT orgs.define_role('xgr', 'X global', ARRAY['org.view'], ARRAY['app.view'], ARRAY['app.view', 'xx.use']);
SELECT orgs.rename_role('xgr', 'xgr2');
SELECT orgs.drop_role('xgr2');
SELECT orgs.define_implication('org.view', 'xx.use');
SELECT orgs.drop_implication('org.view', 'xx.use');
SELECT orgs.drop_permission('app', 'xx.use');
SELECT count(*) AS model_changes FROM orgs.load_model(orgs.model_json());
DELETE FROM orgs.users WHERE handle = 'rls-newbie';
SELECT (SELECT count(*) FROM orgs.organizations WHERE org_id = 'rls-x') AS x_orgs,
       (SELECT count(*) FROM orgs.permissions WHERE name = 'xx.use') AS xx,
       (SELECT string_agg(event, ',' ORDER BY id) FROM orgs.audit_log WHERE target IN ('xt', 'xr', 'xr2', 'rls-x')) AS audit;
};
my ($life_single, $life_single_err, $life_coord, $life_coord_err);
$single->psql($db, $life, stdout => \$life_single, stderr => \$life_single_err);
$coord->psql($db, $life, stdout => \$life_coord, stderr => \$life_coord_err);
is($life_single_err . $life_coord_err, '', 'the API through the coordinator and on the single node: no error')
  or diag("single:\n$life_single_err\ncoordinator:\n$life_coord_err");
is($life_coord, $life_single, '... and the same output') or diag("single:\n$life_single\ncoordinator:\n$life_coord");
note("the output on both:\n$life_single");

# --- 8. Verified tokens through the coordinator ---------------------------------
# A key of orgs.jwt_keys (a reference table) written through the
# coordinator; act_as_jwt and PostgREST's pre-request function with a token
# signed here; a token whose payload was altered refused (28000) alike.
my $secret = 'a shared secret of at least thirty-two bytes, for the cluster';
my $jwt_hdr = encode_base64url('{"alg":"HS256","typ":"JWT"}');
my $jwt_pl = encode_base64url(sprintf('{"sub":"ext-jwt","exp":%d}', time() + 3600));
my $jwt = "$jwt_hdr.$jwt_pl." . encode_base64url(hmac_sha256("$jwt_hdr.$jwt_pl", $secret));
my $jwt_bad = "$jwt_hdr." . encode_base64url(sprintf('{"sub":"ext-jwt","exp":%d}', time() + 7200))
  . '.' . encode_base64url(hmac_sha256("$jwt_hdr.$jwt_pl", $secret));
my $tokens = qq{\\set ON_ERROR_STOP 0
SELECT orgs.register_user('rls-jwt', 'rls-jwt\@example.com', 'Jay', 'Wt', 'ext-jwt') > 0 AS registered;
INSERT INTO orgs.jwt_keys (kid, jwk) VALUES ('cluster', orgs.jwk_from_secret('$secret'));
BEGIN; SELECT orgs.act_as_jwt('$jwt'); SELECT orgs.current_user_handle();
SELECT orgs.has_org_permission('rls-acme', 'org.view') IS NOT TRUE AS outsider; COMMIT;
BEGIN; SELECT set_config('request.headers', '{"authorization": "Bearer $jwt"}', true) IS NOT NULL AS headers;
SELECT orgs.postgrest_pre_request(); SELECT orgs.current_user_handle(); COMMIT;
SELECT orgs.act_as_jwt('$jwt_bad');
DELETE FROM orgs.jwt_keys WHERE kid = 'cluster';
DELETE FROM orgs.users WHERE handle = 'rls-jwt';
};
my ($tok_single, $tok_single_err, $tok_coord, $tok_coord_err);
$single->psql($db, $tokens, stdout => \$tok_single, stderr => \$tok_single_err);
$coord->psql($db, $tokens, stdout => \$tok_coord, stderr => \$tok_coord_err);
is("$tok_coord\n$tok_coord_err", "$tok_single\n$tok_single_err",
	'tokens through the coordinator: the single node\'s output and errors');
like($tok_single, qr/^rls-jwt\nt\n.*\nrls-jwt$/ms, '... the token makes its subject act, also through the pre-request function');
like($tok_single_err, qr/ERROR:  invalid token/, '... an altered one is refused');

$s->quit;
$w->quit;
for my $n ($coord, $w1, $w2, $single)
{
	$n->stop;
}
done_testing();
