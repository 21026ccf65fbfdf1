--
-- engine_errors: an error in the middle of building a user's cache entry
-- (here a lock timeout; a cancel is the same) leaves nothing half-made
-- behind: the next call builds the entry whole.  (pg_orgs 0.1.0 kept the
-- team grants read before the error, and the next build skipped them.)
--
-- A second session, through dblink, holds a lock on orgs.team_apps, which
-- the build reads after orgs.members and orgs.team_members.
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
-- a change that makes the next call build ee_tc's entry again
UPDATE orgs.members SET role = 'org_user' WHERE user_id = orgs.current_user_id();
UPDATE orgs.members SET role = 'team_contributor' WHERE user_id = orgs.current_user_id();

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
SELECT dblink_disconnect('ee_other') AS disconnected;
-- whole again: every app, by the set and one by one
SELECT cardinality(orgs.apps_with_permission('models.train')) AS apps;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(a.id, 'models.train')) AS apps
  FROM orgs.apps a WHERE a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org');

SELECT orgs.act_as(NULL, false);
DELETE FROM orgs.apps WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ee_org');
DELETE FROM orgs.organizations WHERE org_id = 'ee_org';
DELETE FROM orgs.users WHERE handle LIKE 'ee\_%';
DROP EXTENSION dblink;
