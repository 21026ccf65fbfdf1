# pg_orgs on a hot standby, across a crash and a restart.
#
# The permission checks only read, so they must work on a standby; a grant
# changed on the primary must reach a standby session's very next statement
# (the relcache invalidations travel in the WAL); and nothing may be lost
# by an immediate shutdown.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;

$primary->safe_psql('postgres', q{
CREATE EXTENSION pg_orgs;
SELECT orgs.register_user('alice', 'alice@example.com');
SELECT orgs.register_user('bob', 'bob@example.com');
INSERT INTO orgs.organizations (org_id, name) VALUES ('acme', 'Acme');
INSERT INTO orgs.members (org_id, user_id, role)
     SELECT o.id, u.id, CASE u.handle::text WHEN 'alice' THEN 'admin' ELSE 'team_contributor' END::orgs.org_role
       FROM orgs.organizations o, orgs.users u;
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'vision' FROM orgs.organizations;
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
     SELECT id, 'trainers', 'Trainers', 'model_trainer' FROM orgs.organizations;
INSERT INTO orgs.team_members (org_id, team_id, user_id)
     SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u WHERE u.handle::text = 'bob';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
     SELECT t.org_id, t.id, a.id, 'model_trainer' FROM orgs.teams t, orgs.apps a;
});

my $check = q{SELECT orgs.has_app_permission('bob', 'acme/vision', 'models.train')};
is($primary->safe_psql('postgres', $check), 't', 'primary: team grant seen');

# --- hot standby -------------------------------------------------------
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', $check), 't', 'standby: check works read-only');
my $perms = q{SELECT orgs.app_permissions('bob', 'acme/vision')::text};
is($standby->safe_psql('postgres', $perms), $primary->safe_psql('postgres', $perms),
	'standby: same effective set as the primary');

# A standby session that has cached bob's grants must see a change made on
# the primary at its next statement after replay.
my $session = $standby->background_psql('postgres');
is($session->query_safe($check), 't', 'standby session: grant cached');
$primary->safe_psql('postgres', q{UPDATE orgs.team_apps SET permission = 'labeler_worker'});
$primary->wait_for_catchup($standby);
is($session->query_safe($check), 'f', 'standby session: revoked grant seen at next statement');
$primary->safe_psql('postgres', q{UPDATE orgs.team_apps SET permission = 'model_trainer'});
$primary->wait_for_catchup($standby);
is($session->query_safe($check), 't', 'standby session: restored grant seen at next statement');
$session->quit;

my ($ret, $out, $err) = $standby->psql('postgres',
	q{SELECT orgs.register_user('carol', 'carol@example.com')});
isnt($ret, 0, 'standby: writes are refused');
like($err, qr/read-only transaction/, 'standby: refused as a read-only transaction');

# --- crash and restart --------------------------------------------------
$primary->safe_psql('postgres', q{
SELECT orgs.register_user('carol', 'carol@example.com');
INSERT INTO orgs.members (org_id, user_id, role)
     SELECT o.id, u.id, 'org_user' FROM orgs.organizations o, orgs.users u WHERE u.handle::text = 'carol';
});
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', q{SELECT count(*) FROM orgs.members}), '3',
	'crash: committed memberships survive');
is($primary->safe_psql('postgres',
	q{SELECT orgs.has_app_permission('carol', 'acme/vision', 'models.view')}),
	't', 'crash: checks work after recovery');
is($primary->safe_psql('postgres', q{SELECT count(*) FROM orgs.owner_names}), '4',
	'crash: namespace intact');

$primary->restart;
is($primary->safe_psql('postgres', $check), 't', 'restart: checks work');
is($primary->safe_psql('postgres',
	q{SELECT orgs.register_user('dave', 'dave@example.com') > 3}), 't',
	'restart: sequences continue');

$standby->stop;
$primary->stop;
done_testing();
