--
-- engine_errors: an error in the middle of building a user's cache entry,
-- or of refreshing its team grants (here a lock timeout; a cancel is the
-- same) leaves nothing half-made behind: the next call builds or refreshes
-- the entry whole.  (pg_orgs 0.1.0 kept the team grants read before the
-- error, and the next build skipped them.)
--
-- A second session, through dblink (one connection for both cases), holds
-- a lock on orgs.team_apps, which a build reads after orgs.members and
-- orgs.team_members for every team whose grants are not cached, and a
-- refresh for every team whose grants changed.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['ee_admin', 'ee_tc']) AS h;
INSERT INTO orgs.organizations (org_id, name) VALUES ('ee_org', 'Engine errors');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, CASE u.handle WHEN 'ee_admin' THEN 'admin' ELSE 'team_contributor' END::orgs.org_role
  FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'ee_org' AND u.handle IN ('ee_admin', 'ee_tc');
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'app' || i FROM orgs.organizations o, generate_series(1, 40) AS i WHERE o.org_id = 'ee_org';
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 't' || i, 'Team ' || i, 'model_trainer'
  FROM orgs.organizations o, generate_series(1, 20) AS i WHERE o.org_id = 'ee_org';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id
 WHERE a.app_id IN ('app' || (2 * substr(t.team_id, 2)::int - 1), 'app' || (2 * substr(t.team_id, 2)::int));
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org') AND u.handle = 'ee_tc';

SELECT orgs.act_as('ee_tc', false);
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps;
-- changes that make the next call build ee_tc's entry again and read the
-- grants of team t10 (the teams before it come from the cache)
UPDATE orgs.members SET role = 'org_user' WHERE user_id = orgs.current_user_id();
UPDATE orgs.members SET role = 'team_contributor' WHERE user_id = orgs.current_user_id();
UPDATE orgs.team_apps SET permission = 'labeler_worker'
 WHERE team_id = (SELECT t.id FROM orgs.teams t JOIN orgs.organizations o ON o.id = t.org_id
                   WHERE o.org_id = 'ee_org' AND t.team_id = 't10');
UPDATE orgs.team_apps SET permission = 'model_trainer'
 WHERE team_id = (SELECT t.id FROM orgs.teams t JOIN orgs.organizations o ON o.id = t.org_id
                   WHERE o.org_id = 'ee_org' AND t.team_id = 't10');

SELECT dblink_connect('ee_other',
       format('host=%s port=%s dbname=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database())) AS connected;
SELECT dblink_exec('ee_other', 'BEGIN; LOCK TABLE orgs.team_apps IN ACCESS EXCLUSIVE MODE') AS locked;
SET lock_timeout = '100ms';
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps; \echo :SQLSTATE
SELECT orgs.has_app_permission(a.id, 'models.train') FROM orgs.apps a
 WHERE a.app_id = 'app1' AND a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org'); \echo :SQLSTATE
RESET lock_timeout;
SELECT dblink_exec('ee_other', 'ROLLBACK') AS released;
-- whole again: every app, by the set and one by one
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(a.id, 'models.train')) AS apps
  FROM orgs.apps a WHERE a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org');
SELECT builds, refreshes FROM orgs.cache_stats() \gset s0_

-- The same in the middle of a refresh: team t1's grant of app1 drops to
-- labeler_worker (no models.train); the entry is not rebuilt, its team
-- grants are gathered again, and t1's are read from orgs.team_apps.
UPDATE orgs.team_apps SET permission = 'labeler_worker'
 WHERE team_id = (SELECT t.id FROM orgs.teams t JOIN orgs.organizations o ON o.id = t.org_id
                   WHERE o.org_id = 'ee_org' AND t.team_id = 't1')
   AND app_id = (SELECT a.id FROM orgs.apps a JOIN orgs.organizations o ON o.id = a.org_id
                  WHERE o.org_id = 'ee_org' AND a.app_id = 'app1');
SELECT dblink_exec('ee_other', 'BEGIN; LOCK TABLE orgs.team_apps IN ACCESS EXCLUSIVE MODE') AS locked;
SET lock_timeout = '100ms';
SELECT orgs.has_app_permission(a.id, 'models.train') FROM orgs.apps a
 WHERE a.app_id = 'app1' AND a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org'); \echo :SQLSTATE
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps; \echo :SQLSTATE
RESET lock_timeout;
SELECT dblink_exec('ee_other', 'ROLLBACK') AS released;
SELECT dblink_disconnect('ee_other') AS disconnected;
-- whole again: app1 is gone from the set, the other 39 apps stay
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(a.id, 'models.train')) AS apps,
       bool_or(orgs.has_app_permission(a.id, 'models.train')) FILTER (WHERE a.app_id = 'app1') AS app1
  FROM orgs.apps a WHERE a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org');
-- refreshed, not built (under debug_discard_caches every call resets the
-- cache and builds anew: not checked there)
SELECT current_setting('debug_discard_caches')::integer > 0
       OR (builds = :s0_builds AND refreshes > :s0_refreshes) AS refreshed_not_built
  FROM orgs.cache_stats();

SELECT orgs.act_as(NULL, false);
DELETE FROM orgs.apps WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org');
DELETE FROM orgs.organizations WHERE org_id = 'ee_org';
DELETE FROM orgs.users WHERE handle LIKE 'ee\_%';
DROP EXTENSION dblink;
