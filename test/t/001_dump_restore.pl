
# pg_dump / pg_restore keeps the data of pg_orgs.
#
# Fills every table of the extension, dumps the database with pg_dump -Fc,
# restores it into a fresh database with pg_restore, and checks that
#  - pg_restore reports no error;
#  - every table registered with pg_extension_config_dump (found from
#    pg_extension.extconfig, so that new tables are covered) has the same
#    full contents in both databases, and so has every other table of the
#    extension (the matrix, recreated by CREATE EXTENSION; derived tables
#    such as orgs.owner_names, rebuilt by triggers);
#  - every registered sequence has the same position, and new rows after the
#    restore do not collide with restored ones;
#  - a plain-text dump of the restored database equals one of the source.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../lib";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgOrgsTest;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $src = 'orgs_src';
my $dst = 'orgs_restored';

$node->safe_psql('postgres', "CREATE DATABASE $src");
$node->safe_psql($src, 'CREATE EXTENSION pg_orgs');

orgs_populate($node, $src);

# A database with the default model dumps no model rows.
my $model_tables = q{('permissions', 'roles', 'team_levels', 'role_org_permissions',
  'role_app_baseline', 'role_app_ceiling', 'team_level_permissions',
  'org_permissions_from_app', 'model_removed')};
if (orgs_has_function($node, $src, 'define_role'))
{
	local %ENV = $node->_get_env();
	my ($plain, $err);
	IPC::Run::run([ 'pg_dump', '--data-only', '-d', $src ], '>', \$plain, '2>', \$err)
	  or BAIL_OUT("pg_dump --data-only failed: $err");
	my @rows;
	while ($plain =~ /^COPY orgs\.(\w+) .*? FROM stdin;\n(.*?)^\\\.$/msg)
	{
		push @rows, "$1: $2" if $2 ne '' && $model_tables =~ /'$1'/;
	}
	is(join('', @rows), '', 'the default model dumps no model rows');
}

# The model customized through the API: kept exactly by the restore.
my $customized = orgs_customize_model($node, $src);
ok($customized, 'model customized') if orgs_has_function($node, $src, 'define_role');

my $config = orgs_config_relations($node, $src);
my @config_tables = @{ $config->{tables} };
my @config_seqs = @{ $config->{sequences} };
note("config tables: @config_tables");
note("config sequences: @config_seqs");
ok(@config_tables > 0, 'pg_orgs registers tables with pg_extension_config_dump');

# Every registered table should hold data, or the comparison below proves
# little.  A table added to the extension later and not yet filled by
# PgOrgsTest::orgs_populate is reported, not failed.
my %known = map { ("orgs.$_" => 1) } qw(users organizations members apps
  teams team_members team_apps invitations audit_log notifications);
for my $t (@config_tables)
{
	my $n = $node->safe_psql($src, "SELECT count(*) FROM $t");
	if ($known{$t})
	{
		cmp_ok($n, '>', 0, "source table $t has rows");
	}
	elsif ($n == 0)
	{
		diag("config table $t is empty: fill it in test/lib/PgOrgsTest.pm");
	}
}

# --- dump and restore
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $dumpfile = "$tmp/orgs.dump";

$node->command_ok([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $src ],
	'pg_dump -Fc');

$node->safe_psql('postgres', "CREATE DATABASE $dst");
{
	local %ENV = $node->_get_env();
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ 'pg_restore', '-d', $dst, $dumpfile ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok, 'pg_restore exits 0');
	is($stderr, '', 'pg_restore reports no error');
}

is( $node->safe_psql($dst,
		"SELECT extversion FROM pg_extension WHERE extname = 'pg_orgs'"),
	$node->safe_psql($src,
		"SELECT extversion FROM pg_extension WHERE extname = 'pg_orgs'"),
	'restored database has the extension at the same version');

my $config_dst = orgs_config_relations($node, $dst);
is_deeply($config_dst, $config,
	'restored database registers the same config relations');

# --- contents, before anything writes to the restored database
for my $t (@config_tables)
{
	is( orgs_table_contents($node, $dst, $t),
		orgs_table_contents($node, $src, $t),
		"config table $t: same contents after restore");
}

my %is_config = map { ($_ => 1) } @config_tables;
my @ext_tables = @{ orgs_extension_tables($node, $src) };
is_deeply(orgs_extension_tables($node, $dst),
	\@ext_tables, 'restored database has the same extension tables');
# (orgs.cluster_key, the key of the acting-user token on a Citus cluster,
# is made by CREATE EXTENSION and not dumped: a restored database has a key
# of its own)
for my $t (grep { !$is_config{$_} && $_ ne 'orgs.cluster_key' } @ext_tables)
{
	is( orgs_table_contents($node, $dst, $t),
		orgs_table_contents($node, $src, $t),
		"extension table $t (not dumped): same contents after restore");
}
is($node->safe_psql($dst, q{SELECT count(*) || ' key of ' || min(octet_length(key)) || ' bytes' FROM orgs.cluster_key}),
	'1 key of 32 bytes', 'the restored database has a cluster key');
isnt($node->safe_psql($dst, q{SELECT encode(key, 'hex') FROM orgs.cluster_key}),
	$node->safe_psql($src, q{SELECT encode(key, 'hex') FROM orgs.cluster_key}),
	'... of its own');

if ($customized)
{
	is(orgs_all_answers($node, $dst), orgs_all_answers($node, $src),
		'customized model: every answer of the engine is the same after restore');
	is($node->safe_psql($dst, 'SELECT orgs.model_json()'),
		$node->safe_psql($src, 'SELECT orgs.model_json()'),
		'customized model: orgs.model_json() is the same after restore');
	is($node->safe_psql($dst, q{SELECT role FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id
	                            WHERE u.handle_key = 'carol'}),
		'member', 'a member of the renamed role holds it under its new name');
	is($node->safe_psql($dst, q{SELECT count(*) FROM orgs.roles WHERE name IN ('org_user', 'infrastructure_manager')}),
		'0', 'the renamed and dropped default roles stay gone');
}

for my $s (@config_seqs)
{
	is( orgs_sequence_state($node, $dst, $s),
		orgs_sequence_state($node, $src, $s),
		"config sequence $s: same position after restore");
}

# Plain dumps of both databases must be identical.
{
	local %ENV = $node->_get_env();
	my ($dump_src, $dump_dst, $err_a, $err_b);
	IPC::Run::run([ 'pg_dump', '-d', $src ], '>', \$dump_src, '2>', \$err_a)
	  or BAIL_OUT("pg_dump $src failed: $err_a");
	IPC::Run::run([ 'pg_dump', '-d', $dst ], '>', \$dump_dst, '2>', \$err_b)
	  or BAIL_OUT("pg_dump $dst failed: $err_b");
	# pg_dump (15.14 and later) brackets its output with \restrict and
	# \unrestrict and a random key: not part of the comparison.
	s/^\\(?:un)?restrict .*$//mg for ($dump_src, $dump_dst);
	ok($dump_src eq $dump_dst, 'plain pg_dump of the restored database equals the source');
	if ($dump_src ne $dump_dst)
	{
		PostgreSQL::Test::Utils::append_to_file("$tmp/src.sql", $dump_src);
		PostgreSQL::Test::Utils::append_to_file("$tmp/dst.sql", $dump_dst);
		my ($diff, $derr);
		IPC::Run::run([ 'diff', '-u', "$tmp/src.sql", "$tmp/dst.sql" ],
			'>', \$diff, '2>', \$derr);
		my @lines = split /\n/, $diff // '';
		splice(@lines, 200) if @lines > 200;
		diag(join("\n", 'diff (first 200 lines):', @lines));
	}
}

# --- sequences continue: new rows do not collide with restored ones
for my $o (@{ orgs_owned_sequences($node, $dst) })
{
	my ($seq, $table, $col) = @$o;
	next unless grep { $_ eq $seq } @config_seqs;
	my ($next, $max) = split /\|/,
	  $node->safe_psql($dst,
		"SELECT pg_catalog.nextval('$seq'), (SELECT coalesce(max($col), 0) FROM $table)"
	  );
	cmp_ok($next, '>', $max,
		"sequence $seq continues after the restored rows of $table.$col");
}

my $max_user = $node->safe_psql($src, 'SELECT max(id) FROM orgs.users');
my $new_user =
  orgs_has_function($node, $dst, 'register_user')
  ? $node->safe_psql($dst,
	q{SELECT orgs.register_user('after_restore', 'after@example.com', 'After', 'Restore')}
  )
  : $node->safe_psql($dst,
	q{INSERT INTO orgs.users (handle, email) VALUES ('after_restore', 'after@example.com') RETURNING id}
  );
cmp_ok($new_user, '>', $max_user,
	'a user registered after the restore gets a new id');
is( $node->safe_psql($dst,
		"SELECT count(*) FROM orgs.owner_names WHERE name_key = 'after_restore'"),
	'1',
	'the new user takes its name in the shared namespace');

my $new_org = $node->safe_psql($dst,
	"INSERT INTO orgs.organizations (org_id, name) VALUES ('after-org', 'After') RETURNING id"
);
cmp_ok($new_org, '>',
	$node->safe_psql($src, 'SELECT max(id) FROM orgs.organizations'),
	'an organization created after the restore gets a new id');

# Names taken before the dump are still taken after the restore.
my ($ret, $stdout, $stderr) = $node->psql($dst,
	"INSERT INTO orgs.organizations (org_id, name) VALUES ('ALICE', 'clash')");
isnt($ret, 0, 'a restored handle still blocks an org ID differing only in case');

$node->stop;
done_testing();
