
# PostgREST's request sequence through a transaction-pooling pgbouncer.
#
# pgbouncer (Debian's package) runs as this test's OS user on a private
# socket directory and port, with its own configuration and auth file,
# pool_mode = transaction and two server connections for four clients, so
# that the requests of different people share backends.  Each request is
# what PostgREST sends for a call with db-pre-request =
# "orgs.postgrest_pre_request":
#
#   BEGIN; SET LOCAL ROLE web_user;
#   SELECT set_config('request.headers', '{"authorization": "Bearer ..."}', true);
#   SELECT orgs.postgrest_pre_request();
#   SELECT ... FROM items;     -- a table guarded by orgs.protect_table
#   COMMIT;
#
# Checked: every request sees exactly the rows of the user of its token
# (HS256 and ES256 keys configured); a request without a token sees none,
# also right after another user's request on the same backend; a forged,
# expired, re-signed or tampered token is refused (28000) and sees nothing;
# the backends served several people.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../lib";

use File::Temp qw(tempdir);
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = '/usr/bin/python3';
my $minter = "$FindBin::RealBin/../lib/jwt_mint.py";
my ($pgbouncer) = grep { -x } ('/usr/sbin/pgbouncer', '/usr/bin/pgbouncer');
plan skip_all => 'pgbouncer is needed' unless $pgbouncer;
plan skip_all => 'python3-jwt and python3-cryptography are needed'
  unless system($python, '-c', 'import jwt, cryptography') == 0;

my $dir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical;

sub minter
{
	my ($in, @args) = @_;
	my ($out, $err);
	IPC::Run::run([ $python, $minter, @args ], '<', \$in, '>', \$out, '2>', \$err)
	  or die "jwt_mint.py @args: $err";
	return $json->decode($out);
}

my $node = PostgreSQL::Test::Cluster->new('postgrest');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE ROLE authenticator LOGIN NOINHERIT;
CREATE ROLE web_user NOLOGIN;
GRANT web_user TO authenticator;
CREATE DATABASE app;
});
my $keys = minter('', 'keys', $dir, qw(hs1:hs es1:es hs2:hs));
my %jwk = map { $_->{kid} => $json->encode($_) } @{ $keys->{keys} };
$node->safe_psql('app', qq{
CREATE EXTENSION pg_orgs;
INSERT INTO orgs.jwt_keys (jwk) VALUES ('$jwk{hs1}'), ('$jwk{es1}');
INSERT INTO orgs.jwt_config (audience) VALUES ('authenticated');
SELECT orgs.register_user(h, h || '\@example.com', external_id => 'sub-' || h)
  FROM unnest(ARRAY['alice', 'bob', 'carol']) AS h;
SELECT orgs.act_as('alice', false);
SELECT orgs.create_app('alice', 'notes');
SELECT orgs.act_as('bob', false);
SELECT orgs.create_app('bob', 'notes');
SELECT orgs.act_as(NULL, false);
CREATE TABLE items (id serial PRIMARY KEY, app_id bigint NOT NULL, name text NOT NULL);
INSERT INTO items (app_id, name)
SELECT a.id, v.name FROM (VALUES ('alice', 'a1'), ('alice', 'a2'), ('bob', 'b1')) AS v(owner, name)
  JOIN orgs.users u ON u.handle = v.owner JOIN orgs.apps a ON a.owner_user_id = u.id;
SELECT orgs.protect_table('items', 'app_id', resource => 'models');
GRANT SELECT ON items TO web_user;
});

# --- pgbouncer ----------------------------------------------------------------
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $host = $node->host;
my $nport = $node->port;
open my $fh, '>', "$dir/pgbouncer.ini" or die;
print $fh <<"EOF";
[databases]
app = host=$host port=$nport dbname=app user=authenticator

[pgbouncer]
listen_addr =
listen_port = $port
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
close $fh;
open $fh, '>', "$dir/userlist.txt" or die;
print $fh qq{"authenticator" ""\n};
close $fh;
system($pgbouncer, '-d', '-q', "$dir/pgbouncer.ini") == 0 or die "pgbouncer did not start";
my $pid;
for (1 .. 100)
{
	last if -S "$dir/.s.PGSQL.$port" && -s "$dir/pgbouncer.pid";
	select(undef, undef, undef, 0.1);
}
$pid = slurp_file("$dir/pgbouncer.pid") if -s "$dir/pgbouncer.pid";
chomp $pid if defined $pid;
ok(defined $pid && kill(0, $pid), 'pgbouncer is running');
END { kill 'TERM', $pid if defined $pid; }

# --- tokens ---------------------------------------------------------------------
my %aud = (aud => 'authenticated');
my @tok = @{ minter($json->encode([
	{ key => 'hs1', claims => { sub => 'sub-alice', %aud, role => 'web_user' }, exp_in => 600 },
	{ key => 'es1', claims => { sub => 'sub-bob', %aud, role => 'web_user' }, exp_in => 600 },
	{ key => 'hs1', claims => { sub => 'sub-carol', %aud }, exp_in => 600 },
	{ key => 'hs2', kid => 'hs1', claims => { sub => 'sub-alice', %aud }, exp_in => 600 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %aud }, exp_in => -3600 },
	{ key => 'hs2', kid => 'hs1', claims => { sub => 'sub-bob', %aud, role => 'web_user' }, exp_in => 600 },
	]), 'mint', $dir) };
my ($h, undef, $s) = split /\./, $tok[0];
my (undef, $bobclaims) = split /\./, $tok[1];
my %token = (alice => $tok[0], bob => $tok[1], carol => $tok[2], forged => $tok[3],
	expired => $tok[4], resigned => $tok[5], tampered => "$h.$bobclaims.$s", none => undef);
my %sees = (alice => 'a1,a2', bob => 'b1', carol => '', none => '');

# one request, as PostgREST makes it; returns the psql process to finish
sub request
{
	my ($who) = @_;
	my $headers = defined $token{$who}
	  ? qq{{"authorization": "Bearer $token{$who}", "accept": "*/*"}}
	  : q{{"accept": "*/*"}};
	my $sql = <<"EOF";
BEGIN;
SET LOCAL ROLE web_user;
SELECT set_config('request.headers', '$headers', true) IS NOT NULL AS set;
SELECT orgs.postgrest_pre_request();
SELECT 'PID:' || pg_backend_pid();
SELECT 'ROWS:' || coalesce(string_agg(name, ',' ORDER BY name), '') FROM items;
COMMIT;
EOF
	my %r = (who => $who, in => $sql, out => '', err => '');
	$r{h} = IPC::Run::start(
		[ 'psql', '-X', '-q', '-t', '-A', '-h', $dir, '-p', $port, '-U', 'authenticator', '-d', 'app' ],
		'<', \$r{in}, '>', \$r{out}, '2>', \$r{err});
	return \%r;
}

# four clients, fourteen rounds: in every round each client makes one request
my @clients = (
	[qw(alice none bob forged alice carol none expired bob alice resigned none tampered bob)],
	[qw(bob alice none carol expired bob alice none forged alice bob tampered carol none)],
	[qw(none carol alice bob alice resigned none bob carol forged alice none bob alice)],
	[qw(carol bob tampered alice none alice bob expired none bob carol alice forged none)]);
my (%pids, %pid_users, $bad);
my ($ok, $refused, $n) = (0, 0, 0);
for my $round (0 .. $#{ $clients[0] })
{
	my @reqs = map { request($_->[$round]) } @clients;
	for my $r (@reqs)
	{
		IPC::Run::finish($r->{h});
		$n++;
		my ($rows) = $r->{out} =~ /^ROWS:(.*)$/m;
		my ($bpid) = $r->{out} =~ /^PID:(\d+)$/m;
		$pids{$bpid}++ if defined $bpid;
		if (exists $sees{ $r->{who} })
		{
			if (defined $rows && $rows eq $sees{ $r->{who} } && $r->{err} eq '')
			{
				$ok++;
				push @{ $pid_users{$bpid} }, $r->{who};
			}
			else
			{
				$bad .= "round $round, $r->{who}: rows " . ($rows // '<none>') . "; $r->{err}\n";
			}
		}
		else
		{
			if (!defined $rows && $r->{err} =~ /ERROR:  invalid token/)
			{
				$refused++;
			}
			else
			{
				$bad .= "round $round, $r->{who} (a bad token): rows " . ($rows // '<none>') . "; $r->{err}\n";
			}
		}
	}
}
is($bad // '', '', "every request saw exactly its user's rows, every bad token was refused");
cmp_ok($ok, '>', 30, "$ok requests saw their rows");
cmp_ok($refused, '>', 10, "$refused requests with a forged, expired, re-signed or tampered token were refused");
cmp_ok(scalar(keys %pids), '<=', 2, 'the requests shared at most two backends (transaction pooling)');
my $mixed = grep { my %u = map { $_ => 1 } @{ $pid_users{$_} }; keys(%u) > 2 } keys %pid_users;
cmp_ok($mixed, '>=', 1, 'a backend served several people in turn');

# pgbouncer's admin console is not needed: the server side says the same
cmp_ok($node->safe_psql('app', q{SELECT count(*) FROM pg_stat_activity WHERE usename = 'authenticator'}),
	'<=', 2, 'at most two server connections of the authenticator');

kill 'TERM', $pid;
undef $pid;
$node->stop;
done_testing();
