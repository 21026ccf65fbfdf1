
# orgs.act_as_jwt with real tokens, minted at test time by PyJWT and
# cryptography (test/lib/jwt_mint.py) with keys generated for this run.
#
# Checked, as an ordinary role (act_as_jwt is everyone's):
#  - HS256, RS256 and ES256 tokens set the acting user named by "sub"
#    (an external id); a token without kid is taken when one key of its
#    algorithm could apply;
#  - key rotation by kid: a new key verifies at once, in a session whose key
#    cache is warm too, and a removed key no longer does;
#  - exp (required) and nbf with the leeway of orgs.jwt_config, issuer and
#    audience (string or array) when configured, the subject claim;
#  - every refusal (alg none, alg confusion, unknown or missing kid, bad
#    base64url, bad JSON, header or claims not objects, too long, unknown
#    subject, wrong or tampered signature, DER ECDSA signatures, crit,
#    duplicate claims, exp missing or a string) gives exactly the same
#    error: 28000 "invalid token", no DETAIL or HINT, one code location;
#  - a refused token leaves nobody acting;
#  - pg_dump keeps the keys and settings: a restored database accepts the
#    same tokens.

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
plan skip_all => 'python3-jwt and python3-cryptography are needed'
  unless system($python, '-c', 'import jwt, cryptography') == 0;

my $keydir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical;

sub make_keys
{
	my ($out, $err);
	IPC::Run::run([ $python, $minter, 'keys', $keydir, @_ ], '>', \$out, '2>', \$err)
	  or die "jwt_mint.py keys: $err";
	return $json->decode($out)->{keys};
}

sub mint
{
	my ($in, $out, $err) = ($json->encode([@_]));
	IPC::Run::run([ $python, $minter, 'mint', $keydir ], '<', \$in, '>', \$out, '2>', \$err)
	  or die "jwt_mint.py mint: $err";
	return @{ $json->decode($out) };
}

my $node = PostgreSQL::Test::Cluster->new('jwt');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
CREATE EXTENSION pg_orgs;
CREATE ROLE regress_web;
SELECT orgs.register_user('alice', 'alice@example.com', external_id => 'sub-alice');
SELECT orgs.register_user('bob', 'bob@example.com', external_id => 'auth0|bob');
SELECT orgs.register_user('carol', 'carol@example.com');
});

# rs2, es2, hs2 are not configured at first: "other" keys for forgeries
my $jwks = make_keys(qw(hs1:hs rs1:rs es1:es rs2:rs hs2:hs es2:es));
my %jwk = map { $_->{kid} => $_ } @$jwks;
sub add_key
{
	my ($kid) = @_;
	my $j = $json->encode($jwk{$kid});
	$node->safe_psql('app', "INSERT INTO orgs.jwt_keys (jwk) VALUES ('$j')");
}
add_key($_) for qw(hs1 rs1 es1);

# try($db, $token): (handle acting afterwards or '<nobody>', stderr of a refusal)
sub try
{
	my ($token, $db) = @_;
	my ($ret, $out, $err) = $node->psql($db // 'app',
		"SET ROLE regress_web; SELECT orgs.act_as_jwt('$token', false); "
		  . "SELECT coalesce(orgs.current_user_handle(), '<nobody>');",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	return ($ret == 0 ? (split /\n/, $out)[-1] : undef, $err);
}

my $refusal;	# the exact text of the first refusal: every other must equal it
sub accepted
{
	my ($token, $who, $name, $db) = @_;
	my ($got, $err) = try($token, $db);
	is($got, $who, "accepted: $name") or diag($err);
}
sub refused
{
	my ($token, $name, $db) = @_;
	my ($got, $err) = try($token, $db);
	ok(!defined $got, "refused: $name") or diag("acting: $got");
	$refusal //= $err;
	is($err, $refusal, "... with the one error ($name)");
}

my %alice = (claims => { sub => 'sub-alice' }, exp_in => 300);
my %bob = (claims => { sub => 'auth0|bob' }, exp_in => 300);

# --- each algorithm ---------------------------------------------------------
my @t = mint({ key => 'hs1', %alice }, { key => 'rs1', %alice }, { key => 'es1', %bob },
	{ key => 'hs1', kid => undef, %bob }, { key => 'rs1', kid => undef, %alice },
	{ key => 'es1', kid => undef, %alice },
	{ key => 'hs1', %alice, claims => { sub => 'sub-alice', aud => 'anything', iss => 'anyone' } });
accepted($t[0], 'alice', 'HS256');
accepted($t[1], 'alice', 'RS256');
accepted($t[2], 'bob', 'ES256');
accepted($t[3], 'bob', 'HS256 without kid, one HS256 key');
accepted($t[4], 'alice', 'RS256 without kid, one RS256 key');
accepted($t[5], 'alice', 'ES256 without kid, one ES256 key');
accepted($t[6], 'alice', 'aud and iss are not checked unless configured');
like($refusal // '', qr/^$/, 'no refusal so far');

my ($ret, $out, $err) = $node->psql('app', "SET ROLE regress_web; SELECT orgs.act_as_jwt('garbage', false)",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  28000: invalid token\nLOCATION:  /, 'a refusal is 28000 "invalid token"');
unlike($err, qr/DETAIL|HINT/, '... with no DETAIL or HINT');
$refusal = $err;

# --- refusals -----------------------------------------------------------------
my $big = 'x' x 9000;
my @r = (
	[ 'alg none', { how => 'none', alg => 'none', kid => undef, %alice } ],
	[ 'alg none naming a key', { how => 'none', alg => 'none', kid => 'hs1', %alice } ],
	[ 'alg HS512', { how => 'raw', key => 'hs1', alg => 'HS512', %alice } ],
	[ 'alg confusion: HS256 keyed with the RSA public key, its kid', { how => 'confusion', public_of => 'rs1', key => 'hs1', kid => 'rs1', alg => 'HS256', %alice } ],
	[ 'alg confusion: HS256 keyed with the EC public key, its kid', { how => 'confusion', public_of => 'es1', key => 'hs1', kid => 'es1', alg => 'HS256', %alice } ],
	[ 'RS256 header naming the HS256 key', { how => 'raw', key => 'rs1', kid => 'hs1', alg => 'RS256', %alice } ],
	[ 'unknown kid', { key => 'hs2', kid => 'hs9', %alice } ],
	[ 'kid of a key not configured', { key => 'rs2', %alice } ],
	[ 'wrong HS256 secret', { key => 'hs2', kid => 'hs1', %alice } ],
	[ 'wrong RSA key', { key => 'rs2', kid => 'rs1', %alice } ],
	[ 'wrong EC key', { key => 'es2', kid => 'es1', %alice } ],
	[ 'ES256 signature in DER', { how => 'der', key => 'es1', %alice } ],
	[ 'unknown subject', { key => 'hs1', claims => { sub => 'sub-nobody' }, exp_in => 300 } ],
	[ 'subject of a user without external id', { key => 'hs1', claims => { sub => 'carol' }, exp_in => 300 } ],
	[ 'subject not a string', { key => 'hs1', claims => { sub => 42 }, exp_in => 300 } ],
	[ 'no subject', { key => 'hs1', claims => {}, exp_in => 300 } ],
	[ 'no exp', { key => 'hs1', claims => { sub => 'sub-alice' } } ],
	[ 'exp a string', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-alice","exp":"4102444800"}' } ],
	[ 'expired past the leeway', { key => 'hs1', %alice, exp_in => -60 } ],
	[ 'not yet valid past the leeway', { key => 'hs1', %alice, nbf_in => 120 } ],
	[ 'nbf a string', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-alice","exp":4102444800,"nbf":"0"}' } ],
	[ 'duplicate sub', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-nobody","exp":4102444800,"sub":"sub-alice"}' } ],
	[ 'duplicate alg', { how => 'raw', key => 'hs1', header_raw => '{"alg":"none","kid":"hs1","alg":"HS256"}', %alice } ],
	[ 'crit in the header', { key => 'hs1', header => { crit => ['exp'] }, %alice } ],
	[ 'claims not JSON (signed)', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-alice",' } ],
	[ 'claims not an object (signed)', { how => 'raw', key => 'hs1', claims_raw => '["sub-alice"]' } ],
	[ 'claims a string (signed)', { how => 'raw', key => 'hs1', claims_raw => '"sub-alice"' } ],
	[ 'header not an object (signed)', { how => 'raw', key => 'hs1', header_raw => '["HS256"]', %alice } ],
	[ 'header not JSON (signed)', { how => 'raw', key => 'hs1', header_raw => '{alg:HS256}', %alice } ],
	[ 'claims deeply nested (signed)', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-alice","exp":4102444800,"x":' . ('[' x 200) . (']' x 200) . '}' } ],
	[ 'claims with a NUL escape (signed)', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"sub-alice\u0000","exp":4102444800}' } ],
	[ 'claims with a lone surrogate (signed)', { how => 'raw', key => 'hs1', claims_raw => '{"sub":"\udc00","exp":4102444800}' } ],
	[ 'too long (signed)', { key => 'hs1', claims => { sub => 'sub-alice', pad => $big }, exp_in => 300 } ]);
my @rt = mint(map { $_->[1] } @r);
refused($rt[$_], $r[$_][0]) for 0 .. $#r;

# by hand from good tokens: tampering, base64url, the number of parts
my ($good) = mint({ key => 'hs1', %alice });
my ($h, $c, $s) = split /\./, $good;
my ($bobclaims) = mint({ key => 'hs1', %bob });
my (undef, $bc) = split /\./, $bobclaims;
refused("$h.$bc.$s", 'claims of another token under this signature');
refused("$h.$c." . reverse($s), 'signature reversed');
refused("$h.$c", 'two parts');
refused("$h.$c.$s.$s", 'four parts');
refused("$h.$c.", 'no signature');
refused("$h=.$c.$s", 'padding');
refused("$h.$c.$s=", 'padding on the signature');
refused("$h.$c!.$s", 'a character outside base64url');
(my $plus = $c) =~ tr/-_/+\//;
refused("$h.$plus.$s", 'base64 instead of base64url') if $plus ne $c;
refused("$h.${c}A.$s", 'a base64url length that cannot be');
refused(" $good", 'a leading space');
refused("$good ", 'a trailing space');
refused('x' x 9000, 'too long (unread)');

accepted($good, 'alice', 'the untouched token still works');

# --- leeway, issuer, audience, subject claim ---------------------------------
my @l = mint({ key => 'hs1', %alice, exp_in => -10 }, { key => 'hs1', %alice, nbf_in => 10 },
	{ key => 'hs1', %alice, nbf_in => -10 });
accepted($l[0], 'alice', 'expired 10 s ago: within the default leeway of 30 s');
accepted($l[1], 'alice', 'valid in 10 s: within the leeway');
accepted($l[2], 'alice', 'nbf in the past');
$node->safe_psql('app', 'INSERT INTO orgs.jwt_config (leeway_seconds) VALUES (0)');
refused($l[0], 'expired 10 s ago, leeway 0');
refused($l[1], 'valid in 10 s, leeway 0');
accepted($l[2], 'alice', 'nbf in the past, leeway 0');

$node->safe_psql('app', q{UPDATE orgs.jwt_config SET issuer = 'https://issuer.test', audience = 'authenticated'});
my %iss = (iss => 'https://issuer.test');
my @a = mint(
	{ key => 'rs1', claims => { sub => 'sub-alice', %iss, aud => 'authenticated' }, exp_in => 300 },
	{ key => 'es1', claims => { sub => 'auth0|bob', %iss, aud => [ 'other', 'authenticated' ] }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', iss => 'https://evil.test', aud => 'authenticated' }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', aud => 'authenticated' }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %iss, aud => 'anon' }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %iss, aud => [ 'anon', 'other' ] }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %iss }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %iss, aud => [ 'authenticated', 7 ] }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', iss => 'https://issuer.test/', aud => 'authenticated' }, exp_in => 300 });
accepted($a[0], 'alice', 'issuer and audience match');
accepted($a[1], 'bob', 'audience in an array');
refused($a[2], 'another issuer');
refused($a[3], 'no issuer');
refused($a[4], 'another audience');
refused($a[5], 'audience array without it');
refused($a[6], 'no audience');
refused($a[7], 'audience array with a non-string');
refused($a[8], 'issuer with a trailing slash');

$node->safe_psql('app', q{UPDATE orgs.jwt_config SET subject_claim = 'user_id'});
my @sc = mint(
	{ key => 'hs1', claims => { user_id => 'auth0|bob', sub => 'sub-alice', %iss, aud => 'authenticated' }, exp_in => 300 },
	{ key => 'hs1', claims => { sub => 'sub-alice', %iss, aud => 'authenticated' }, exp_in => 300 });
accepted($sc[0], 'bob', 'subject from the configured claim');
refused($sc[1], 'without the configured claim');
$node->safe_psql('app', q{UPDATE orgs.jwt_config SET subject_claim = DEFAULT, max_bytes = 256});
refused($a[0], 'longer than max_bytes');
$node->safe_psql('app', q{DELETE FROM orgs.jwt_config});
accepted($l[0], 'alice', 'defaults again without a row of settings');

# --- key rotation by kid ------------------------------------------------------
# a session of the ordinary role with a warm key cache
my $session = $node->background_psql('app', on_error_stop => 0);
# (stderr is kept from one query to the next: start each afresh)
sub sq
{
	$session->{stderr} = '';
	return $session->query_safe(@_);
}
sq('SET ROLE regress_web');
my @k = mint({ key => 'rs1', %alice }, { key => 'rs2', %bob }, { key => 'rs1', kid => undef, %alice },
	{ key => 'rs2', kid => undef, %bob });
sub in_session
{
	my ($token) = @_;
	$session->{stderr} = '';
	my ($o, $failed) = $session->query("SELECT orgs.act_as_jwt('$token', false); SELECT coalesce(orgs.current_user_handle(), '<nobody>')");
	return $failed ? 'refused' : (split /\n/, $o)[-1];
}
is(in_session($k[0]), 'alice', 'session: rs1 verifies');
is(in_session($k[1]), 'refused', 'session: rs2 is not a key yet');
add_key('rs2');
is(in_session($k[1]), 'bob', 'session: rs2 verifies once added (the warm cache was invalidated)');
is(in_session($k[0]), 'alice', 'session: rs1 still verifies');
refused($k[2], 'RS256 without kid while two RS256 keys could apply');
is(in_session($k[2]), 'refused', 'session: the same');
$node->safe_psql('app', q{DELETE FROM orgs.jwt_keys WHERE kid = 'rs1'});
is(in_session($k[0]), 'refused', 'session: rs1 no longer verifies once removed');
is(in_session($k[1]), 'bob', 'session: rs2 does');
accepted($k[3], 'bob', 'RS256 without kid, rs2 the only RS256 key now');
# a change rolled back changes nothing
$node->safe_psql('app', q{BEGIN; DELETE FROM orgs.jwt_keys; ROLLBACK});
is(in_session($k[1]), 'bob', 'session: a rolled back removal changes nothing');
# a refusal leaves nobody acting, even after a session-level act_as_jwt
sq("SELECT orgs.act_as_jwt('$k[1]', false)");
is(in_session($k[0]), 'refused', 'session: refused ...');
is(sq("SELECT coalesce(orgs.current_user_handle(), '<nobody>')"),
	'bob', '... and the failed call changed nothing (an error, not a silent switch)');
sq('SELECT orgs.act_as_jwt(NULL, false)');
is(sq("SELECT coalesce(orgs.current_user_handle(), '<nobody>')"), '<nobody>',
	'session: act_as_jwt(NULL) clears');
$session->quit;
add_key('rs1');

# --- a new external id is seen at once; a removed one is refused -------------
my ($carol) = mint({ key => 'hs1', claims => { sub => 'carol-ext' }, exp_in => 300 });
refused($carol, 'carol has no external id yet');
$node->safe_psql('app', q{SELECT orgs.set_external_id('carol', 'carol-ext')});
accepted($carol, 'carol', 'carol once her external id is set');
$node->safe_psql('app', q{SELECT orgs.set_external_id('carol', NULL)});
refused($carol, 'carol once it is removed');

# --- pg_dump keeps keys and settings -------------------------------------------
$node->safe_psql('app', q{INSERT INTO orgs.jwt_config (audience) VALUES ('authenticated')});
my ($dumped) = mint({ key => 'es1', claims => { sub => 'auth0|bob', aud => 'authenticated' }, exp_in => 300 });
accepted($dumped, 'bob', 'before the dump');
my $dumpfile = "$keydir/app.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dumpfile, '-d', $node->connstr('app') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dumpfile ], 'pg_restore');
is($node->safe_psql('restored', 'SELECT count(*) FROM orgs.jwt_keys'),
	$node->safe_psql('app', 'SELECT count(*) FROM orgs.jwt_keys'), 'the keys are restored');
accepted($dumped, 'bob', 'the restored database accepts the token', 'restored');
refused($a[4], 'and refuses another audience', 'restored');

$node->stop;
done_testing();
