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

# Targeted invalidation through WAL: a standby session caches answers for
# users of two organizations; a change in one of them (acme), replayed,
# drops only what it affects: the other organization's user (erin, of
# beta) is answered from the cache at the next statement (cache_stats():
# no build), while the replayed invalidation has been taken in (something
# was dropped) and bob's changed grant is seen.
$primary->safe_psql('postgres', q{
SELECT orgs.register_user('erin', 'erin@example.com');
INSERT INTO orgs.organizations (org_id, name) VALUES ('beta', 'Beta');
INSERT INTO orgs.members (org_id, user_id, role)
     SELECT o.id, u.id, 'admin' FROM orgs.organizations o, orgs.users u
      WHERE o.org_id::text = 'beta' AND u.handle::text = 'erin';
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'lens' FROM orgs.organizations WHERE org_id::text = 'beta';
-- one check, and what this session's cache did for it: built = the user's
-- entry was built anew; dropped = entries dropped since the previous call
CREATE FUNCTION public.tap_check(handle text, app text, perm text,
                                 OUT allowed boolean, OUT built boolean, OUT dropped boolean)
LANGUAGE plpgsql AS $$
DECLARE
    s0 record;
    s1 record;
BEGIN
    SELECT * INTO s0 FROM orgs.cache_stats();
    allowed := orgs.has_app_permission(handle, app, perm);
    SELECT * INTO s1 FROM orgs.cache_stats();
    -- built anew, or its team grants refreshed
    built := s1.builds + s1.refreshes > s0.builds + s0.refreshes;
    dropped := s0.dropped > coalesce(nullif(current_setting('tap.dropped', true), ''), s0.dropped::text)::bigint;
    PERFORM set_config('tap.dropped', s1.dropped::text, false);
END;
$$;
});
$primary->wait_for_catchup($standby);
my $bob_check = q{SELECT * FROM public.tap_check('bob', 'acme/vision', 'models.train')};
my $erin_check = q{SELECT * FROM public.tap_check('erin', 'beta/lens', 'models.train')};
$session = $standby->background_psql('postgres');
is($session->query_safe($bob_check), 't|t|f', 'standby targeted: bob cached (built)');
is($session->query_safe($erin_check), 't|t|f', 'standby targeted: erin cached (built)');
is($session->query_safe($bob_check), 't|f|f', 'standby targeted: bob answered from the cache');
is($session->query_safe($erin_check), 't|f|f', 'standby targeted: erin answered from the cache');
$primary->safe_psql('postgres', q{
UPDATE orgs.team_apps SET permission = 'labeler_worker'
 WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id::text = 'acme')});
$primary->wait_for_catchup($standby);
is($session->query_safe($erin_check), 't|f|t',
	'standby targeted: after replay of a change in acme, erin (beta) still cached, bob dropped');
is($session->query_safe($bob_check), 'f|t|f',
	'standby targeted: bob refreshed, the change seen at the next statement');
$primary->safe_psql('postgres', q{
UPDATE orgs.team_apps SET permission = 'model_trainer'
 WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id::text = 'acme')});
$primary->wait_for_catchup($standby);
is($session->query_safe($bob_check), 't|t|t', 'standby targeted: restored grant seen');
is($session->query_safe($erin_check), 't|f|f', 'standby targeted: erin still cached');
$session->quit;
$primary->safe_psql('postgres', q{
DROP FUNCTION public.tap_check(text, text, text);
DELETE FROM orgs.apps WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id::text = 'beta');
DELETE FROM orgs.organizations WHERE org_id::text = 'beta';
DELETE FROM orgs.users WHERE handle::text = 'erin';
});

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
