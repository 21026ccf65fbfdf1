--
-- schema: every constraint of the core schema with bad input, written
-- directly as a superuser (and through orgs.register_user), so that the
-- database itself, not the API functions, is shown to enforce them.
--
-- Each expected error is followed by its SQLSTATE.  Errors whose DETAIL
-- would print generated keys or timestamps (CHECK constraints on tables,
-- foreign keys) are shown with VERBOSITY terse.  CONTEXT lines (PL/pgSQL
-- line numbers) are not shown.
--
\set SHOW_CONTEXT never
-- For the few errors whose primary message names a generated key: run q and
-- show its SQLSTATE and message with the numbers masked.
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END;
$$;
-- Every object of this test is named sc_*.
SELECT orgs.register_user('sc_alice', 'sc_alice@example.com', 'Alice', 'A') > 0 AS registered;
SELECT orgs.register_user('sc_bob', '  SC_Bob@Example.COM ') > 0 AS registered;
SELECT email FROM orgs.users WHERE handle = 'sc_bob';   -- stored normalized
SELECT orgs.register_user('sc_carol', 'sc_carol@example.com') > 0 AS registered;
SELECT orgs.register_user('sc_dave', 'sc_dave@example.com') > 0 AS registered;
SELECT orgs.register_user('sc_erin', 'sc_erin@example.com') > 0 AS registered;

--------------------------------------------------------------------------
-- Identifiers: 1 to 64 of [A-Za-z0-9_-], starting with a letter or digit
--------------------------------------------------------------------------
-- through register_user: 22023
SELECT orgs.register_user('', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_' || repeat('x', 62), 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('-sc_x', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('_sc_x', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc x', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user(' sc_x', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x' || E'\n', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_bjørn', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x/y', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc.x', 'sc_x@example.com'); \echo :SQLSTATE
SELECT orgs.register_user(NULL, 'sc_x@example.com'); \echo :SQLSTATE
-- 64 characters is the maximum, and "-" and "_" are fine after the first
SELECT orgs.register_user('sc_' || repeat('x', 61), 'sc_long@example.com') > 0 AS registered;
SELECT orgs.register_user('9sc-x_Y', 'sc_y@example.com') > 0 AS registered;

-- direct INSERT: the domain orgs.identifier, 23514
INSERT INTO orgs.users (handle, email) VALUES ('', 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_' || repeat('z', 62), 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('-sc_z', 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc z', 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_zoë', 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_z' || E'\n', 'sc_z@example.com'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('', 'x'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_' || repeat('o', 62), 'x'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('-sc_org', 'x'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc org', 'x'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_ørg', 'x'); \echo :SQLSTATE
UPDATE orgs.users SET handle = 'sc alice' WHERE handle = 'sc_alice'; \echo :SQLSTATE

-- organizations used below
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_acme', 'Acme'), ('sc_beta', 'Beta');
-- org names: 1 to 200 characters after trimming (CHECK, 23514)
\set VERBOSITY terse
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_gamma', '   '); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_gamma', repeat('n', 201)); \echo :SQLSTATE
\set VERBOSITY default

--------------------------------------------------------------------------
-- One case-insensitive namespace for handles and org IDs
--------------------------------------------------------------------------
-- case-variant duplicate handle (register_user: 42710; INSERT: 23505)
SELECT orgs.register_user('SC_Alice', 'sc_x@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('SC_ALICE', 'sc_x@example.com'); \echo :SQLSTATE
-- case-variant duplicate org ID
INSERT INTO orgs.organizations (org_id, name) VALUES ('SC_Acme', 'x'); \echo :SQLSTATE
-- a handle that is an org ID, and an org ID that is a handle
SELECT orgs.register_user('SC_ACME', 'sc_x@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('Sc_Acme', 'sc_x@example.com'); \echo :SQLSTATE
INSERT INTO orgs.organizations (org_id, name) VALUES ('Sc_Bob', 'x'); \echo :SQLSTATE
-- the same on UPDATE, in both directions
UPDATE orgs.users SET handle = 'SC_BETA' WHERE handle = 'sc_carol'; \echo :SQLSTATE
UPDATE orgs.organizations SET org_id = 'sc_CAROL' WHERE org_id = 'sc_beta'; \echo :SQLSTATE
UPDATE orgs.users SET handle = 'sc_bob' WHERE handle = 'sc_carol'; \echo :SQLSTATE
UPDATE orgs.organizations SET org_id = 'SC_ACME' WHERE org_id = 'sc_beta'; \echo :SQLSTATE
-- changing only the case of one's own name is fine, and a rename frees the old name
UPDATE orgs.users SET handle = 'SC_Carol' WHERE handle = 'sc_carol';
UPDATE orgs.organizations SET org_id = 'sc_beta2' WHERE org_id = 'sc_beta';
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_beta', 'the old name is free');
UPDATE orgs.users SET handle = 'sc_carol' WHERE handle = 'SC_Carol';
SELECT name_key, user_id IS NOT NULL AS is_user, org_id IS NOT NULL AS is_org
  FROM orgs.owner_names WHERE name_key LIKE 'sc\_%' AND length(name_key) < 20 ORDER BY name_key;
DELETE FROM orgs.organizations WHERE org_id IN ('sc_beta', 'sc_beta2');
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_beta', 'Beta');
SELECT count(*) AS owner_names_of_deleted_orgs FROM orgs.owner_names WHERE name_key = 'sc_beta2';

--------------------------------------------------------------------------
-- E-mail addresses: unique without regard to ASCII case, stored as given
--------------------------------------------------------------------------
SELECT orgs.register_user('sc_x', 'SC_ALICE@example.com '); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', 'SC_Alice@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', 'no-at-sign'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', 'two@at@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', 'sp ace@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', '@example.com'); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', NULL); \echo :SQLSTATE
SELECT orgs.register_user('sc_x', repeat('e', 243) || '@example.com'); \echo :SQLSTATE
-- direct INSERT: the domain orgs.email refuses white space, malformed
-- addresses and addresses that Unicode normalization (NFC) would change
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', ' sc_x@example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', 'sc_x.example.com'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', 'sc_x@'); \echo :SQLSTATE
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', U&'sc_\212A@example.com'); \echo :SQLSTATE
UPDATE orgs.organizations SET billing_email = U&'billing@\212Acme.example' WHERE org_id = 'sc_acme'; \echo :SQLSTATE
-- letters keep their case; the key lowers ASCII letters, nothing else
INSERT INTO orgs.users (handle, email) VALUES ('sc_x', U&'SC_X@Example.\00C9com');
SELECT email, email_key, orgs.email_key(email) = email_key AS same_function
  FROM orgs.users WHERE handle = 'sc_x';
DELETE FROM orgs.users WHERE handle = 'sc_x';
UPDATE orgs.organizations SET billing_email = 'Billing@Acme.example' WHERE org_id = 'sc_acme';
UPDATE orgs.organizations SET billing_email = 'billing@acme.example' WHERE org_id = 'sc_acme';

--------------------------------------------------------------------------
-- Members, teams, team members, team apps
--------------------------------------------------------------------------
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, r::orgs.org_role
  FROM (VALUES ('sc_acme', 'sc_alice', 'admin'), ('sc_acme', 'sc_bob', 'org_user'),
               ('sc_acme', 'sc_carol', 'team_contributor'),
               ('sc_beta', 'sc_dave', 'admin'), ('sc_beta', 'sc_bob', 'org_user')) AS v(o, u, r)
  JOIN orgs.organizations o ON o.org_id = v.o
  JOIN orgs.users u ON u.handle = v.u;
\set VERBOSITY terse
-- one role per user per org
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, 'admin' FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'sc_acme' AND u.handle = 'sc_bob'; \echo :SQLSTATE
\set VERBOSITY default
-- not a role
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, 'owner' FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'sc_acme' AND u.handle = 'sc_erin'; \echo :SQLSTATE

INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'sc_team', 'Team', 'labeler_worker' FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
-- team ID: unique within the org without regard to case, free in another org
\set VERBOSITY terse
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'SC_Team', 'Team', 'labeler_worker' FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
\set VERBOSITY default
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'SC_Team', 'Team', 'labeler_lead' FROM orgs.organizations o WHERE o.org_id = 'sc_beta';
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'sc team', 'Team', 'labeler_lead' FROM orgs.organizations o WHERE o.org_id = 'sc_beta'; \echo :SQLSTATE
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'sc_team2', 'Team', 'admin' FROM orgs.organizations o WHERE o.org_id = 'sc_beta'; \echo :SQLSTATE

-- apps: exactly one owner
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'sc_app' FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'sc_app' FROM orgs.organizations o WHERE o.org_id = 'sc_beta';
INSERT INTO orgs.apps (owner_user_id, app_id)
SELECT u.id, 'sc_app' FROM orgs.users u WHERE u.handle = 'sc_bob';
INSERT INTO orgs.apps (owner_user_id, app_id)
SELECT u.id, 'sc_app' FROM orgs.users u WHERE u.handle = 'sc_carol';
SELECT count(*) AS apps_named_sc_app FROM orgs.apps WHERE app_key = 'sc_app';
\set VERBOSITY terse
INSERT INTO orgs.apps (org_id, owner_user_id, app_id)
SELECT o.id, u.id, 'sc_two_owners' FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'sc_acme' AND u.handle = 'sc_bob'; \echo :SQLSTATE
INSERT INTO orgs.apps (app_id) VALUES ('sc_no_owner'); \echo :SQLSTATE
UPDATE orgs.apps SET org_id = NULL WHERE app_key = 'sc_app' AND org_id IS NOT NULL; \echo :SQLSTATE
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'sc app' FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
INSERT INTO orgs.apps (org_id, app_id, is_public)
SELECT o.id, 'sc_app2', NULL FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
\set VERBOSITY default
-- the same app ID twice in one owner, in another case
\set VERBOSITY terse
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'SC_App' FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
INSERT INTO orgs.apps (owner_user_id, app_id)
SELECT u.id, 'Sc_APP' FROM orgs.users u WHERE u.handle = 'sc_bob'; \echo :SQLSTATE
\set VERBOSITY default
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'sc_app2' FROM orgs.organizations o WHERE o.org_id = 'sc_acme';

-- team members: only members of the team's org (composite foreign keys)
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND u.handle IN ('sc_bob', 'sc_carol');
\set VERBOSITY terse
-- sc_erin is no member of sc_acme
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND u.handle = 'sc_erin'; \echo :SQLSTATE
-- sc_dave is a member of sc_beta, not of the team's org sc_acme
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND u.handle = 'sc_dave'; \echo :SQLSTATE
-- ... nor can the row claim his org: the team is not one of sc_beta's
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT (SELECT id FROM orgs.organizations WHERE org_id = 'sc_beta'), t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND u.handle = 'sc_dave'; \echo :SQLSTATE
-- team apps: only apps the team's org owns
-- an app of another org
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'full_access' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND a.app_key = 'sc_app' AND a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_beta'); \echo :SQLSTATE
-- ... also when the row claims the app's org
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT a.org_id, t.id, a.id, 'full_access' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND a.app_key = 'sc_app' AND a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_beta'); \echo :SQLSTATE
-- a personal app, even of a member of the org
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'full_access' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
   AND a.app_key = 'sc_app' AND a.owner_user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_bob'); \echo :SQLSTATE
\set VERBOSITY default
-- the org's own apps are fine; one level per (team, app)
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'labeler_lead' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND a.org_id = t.org_id
   AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme');
\set VERBOSITY terse
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'full_access' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND a.org_id = t.org_id AND a.app_key = 'sc_app'
   AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme'); \echo :SQLSTATE
\set VERBOSITY default

-- removing a member from the org removes them from its teams (cascade)
SELECT u.handle, count(tm.*) AS teams
  FROM orgs.users u LEFT JOIN orgs.team_members tm ON tm.user_id = u.id
 WHERE u.handle IN ('sc_bob', 'sc_carol') GROUP BY u.handle ORDER BY 1;
DELETE FROM orgs.members
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_carol')
   AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme');
SELECT u.handle, count(tm.*) AS teams
  FROM orgs.users u LEFT JOIN orgs.team_members tm ON tm.user_id = u.id
 WHERE u.handle IN ('sc_bob', 'sc_carol') GROUP BY u.handle ORDER BY 1;

--------------------------------------------------------------------------
-- An app that leaves its org leaves its teams
--------------------------------------------------------------------------
SELECT a.app_id, count(ta.*) AS team_grants
  FROM orgs.apps a LEFT JOIN orgs.team_apps ta ON ta.app_id = a.id
 WHERE a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme')
 GROUP BY a.app_id ORDER BY 1;
-- sc_app becomes a personal app of sc_alice; sc_app2 moves to sc_beta
UPDATE orgs.apps SET org_id = NULL, owner_user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_alice')
 WHERE app_key = 'sc_app' AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme');
UPDATE orgs.apps SET org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_beta')
 WHERE app_key = 'sc_app2';
SELECT count(*) AS team_grants_left FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
 WHERE t.team_key = 'sc_team';
-- and it cannot be granted back to a team of the old org
\set VERBOSITY terse
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'full_access' FROM orgs.teams t, orgs.apps a
 WHERE t.team_key = 'sc_team' AND a.app_key = 'sc_app2'
   AND t.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme'); \echo :SQLSTATE
\set VERBOSITY default

--------------------------------------------------------------------------
-- Every org keeps an admin
--------------------------------------------------------------------------
-- demoting or removing the last admin is refused: 55000
UPDATE orgs.members SET role = 'org_user'
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_alice'); \echo :SQLSTATE
DELETE FROM orgs.members
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_alice'); \echo :SQLSTATE
-- also when the user account goes (cascade)
DELETE FROM orgs.users WHERE handle = 'sc_dave'; \echo :SQLSTATE
-- and when all admins go in one statement
UPDATE orgs.members SET role = 'admin'
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_bob')
   AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme');
DELETE FROM orgs.members WHERE role = 'admin'
   AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme'); \echo :SQLSTATE
-- with a second admin, one may go; then the other is the last one
UPDATE orgs.members SET role = 'org_user'
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_alice');
UPDATE orgs.members SET role = 'org_user'
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_bob')
   AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme'); \echo :SQLSTATE
-- a membership cannot be moved to another org to escape the check
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_third', 'Third');
DELETE FROM orgs.team_members WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_bob');
UPDATE orgs.members SET org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_third')
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_bob')
   AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme'); \echo :SQLSTATE
UPDATE orgs.members SET role = 'admin'
 WHERE user_id = (SELECT id FROM orgs.users WHERE handle = 'sc_alice');
SELECT o.org_id, u.handle, m.role FROM orgs.members m
  JOIN orgs.organizations o ON o.id = m.org_id JOIN orgs.users u ON u.id = m.user_id
 WHERE o.org_id LIKE 'sc\_%' ORDER BY 1, 2;
-- deleting the whole org still works (its members go with it)
INSERT INTO orgs.organizations (org_id, name) VALUES ('sc_gone', 'Gone');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, 'admin' FROM orgs.organizations o, orgs.users u
 WHERE o.org_id = 'sc_gone' AND u.handle IN ('sc_alice', 'sc_erin');
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'sc_t', 'T', 'full_access' FROM orgs.organizations o WHERE o.org_id = 'sc_gone';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, m.user_id FROM orgs.teams t JOIN orgs.members m ON m.org_id = t.org_id
 WHERE t.team_key = 'sc_t';
DELETE FROM orgs.organizations WHERE org_id = 'sc_gone';
SELECT count(*) AS left_over FROM orgs.owner_names WHERE name_key = 'sc_gone';
-- an org that still owns apps cannot simply be deleted (apps are not cascaded)
\set VERBOSITY terse
DELETE FROM orgs.organizations WHERE org_id = 'sc_beta'; \echo :SQLSTATE
\set VERBOSITY default

--------------------------------------------------------------------------
-- Invitations
--------------------------------------------------------------------------
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_new@example.com', 'org_user', orgs_internal.hash_token('sc_tok1'), now() + interval '7 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
\set VERBOSITY terse
-- a second pending invitation for the same org and e-mail: 23505
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_new@example.com', 'admin', orgs_internal.hash_token('sc_tok2'), now() + interval '7 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
\set VERBOSITY default
-- in another case: the domain refuses the raw address (23514) ...
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, ' SC_New@Example.com', 'admin', orgs_internal.hash_token('sc_tok2'), now() + interval '7 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
\set VERBOSITY terse
-- ... and normalized it is the same address: 23505
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, orgs_internal.normalize_email(' SC_New@Example.com'), 'admin', orgs_internal.hash_token('sc_tok2'), now() + interval '7 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
\set VERBOSITY default
-- the same token twice: 23505
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_other@example.com', 'admin', orgs_internal.hash_token('sc_tok1'), now() + interval '7 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_beta'; \echo :SQLSTATE
-- another org may invite the same address
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_new@example.com', 'org_user', orgs_internal.hash_token('sc_tok3'), now() + interval '30 days'
  FROM orgs.organizations o WHERE o.org_id = 'sc_beta';
\set VERBOSITY terse
-- expiry: after creation, at most 30 days later (23514)
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_late@example.com', 'org_user', orgs_internal.hash_token('sc_tok4'), now() + interval '30 days 1 second'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_late@example.com', 'org_user', orgs_internal.hash_token('sc_tok4'), now()
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
UPDATE orgs.invitations SET expires_at = created_at + interval '31 days'
 WHERE token_hash = orgs_internal.hash_token('sc_tok1'); \echo :SQLSTATE
-- the token hash is a SHA-256 (32 bytes)
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_late@example.com', 'org_user', '\x00'::bytea, now() + interval '1 day'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme'; \echo :SQLSTATE
-- leaving pending needs decided_at, and only a non-pending one has it
UPDATE orgs.invitations SET state = 'accepted'
 WHERE token_hash = orgs_internal.hash_token('sc_tok1'); \echo :SQLSTATE
UPDATE orgs.invitations SET decided_at = now()
 WHERE token_hash = orgs_internal.hash_token('sc_tok1'); \echo :SQLSTATE
\set VERBOSITY default
-- the state machine: pending -> accepted once, never again
UPDATE orgs.invitations SET state = 'accepted', decided_at = now()
 WHERE token_hash = orgs_internal.hash_token('sc_tok1');
-- (the messages name the invitation's key, masked here as N)
SELECT q, pg_temp.try(q) FROM (VALUES
    ($$UPDATE orgs.invitations SET state = 'rescinded', decided_at = now() WHERE token_hash = orgs_internal.hash_token('sc_tok1')$$),
    ($$UPDATE orgs.invitations SET state = 'declined' WHERE token_hash = orgs_internal.hash_token('sc_tok1')$$),
    ($$UPDATE orgs.invitations SET state = 'pending', decided_at = NULL WHERE token_hash = orgs_internal.hash_token('sc_tok1')$$),
    ($$UPDATE orgs.invitations SET role = 'admin' WHERE token_hash = orgs_internal.hash_token('sc_tok1')$$),
    ($$UPDATE orgs.invitations SET expires_at = expires_at + interval '1 day' WHERE token_hash = orgs_internal.hash_token('sc_tok1')$$)) AS t(q);
-- identity never changes, even while pending
SELECT q, pg_temp.try(q) FROM (VALUES
    ($$UPDATE orgs.invitations SET email = 'sc_else@example.com' WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$),
    ($$UPDATE orgs.invitations SET token_hash = orgs_internal.hash_token('sc_tok9') WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$),
    ($$UPDATE orgs.invitations SET org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'sc_acme') WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$),
    ($$UPDATE orgs.invitations SET created_at = created_at - interval '1 day' WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$)) AS t(q);
-- while pending, the role and the expiry may change (within 30 days)
SELECT pg_temp.try($$UPDATE orgs.invitations SET role = 'admin', expires_at = created_at + interval '29 days' WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$);
-- once the first left pending, a new pending invitation for the address is fine
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_new@example.com', 'org_user', orgs_internal.hash_token('sc_tok5'), now() + interval '1 day'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
-- each way out of pending works once
UPDATE orgs.invitations SET state = 'declined', decided_at = now()
 WHERE token_hash = orgs_internal.hash_token('sc_tok5');
UPDATE orgs.invitations SET state = 'expired', decided_at = now()
 WHERE token_hash = orgs_internal.hash_token('sc_tok3');
SELECT q, pg_temp.try(q) FROM (VALUES
    ($$UPDATE orgs.invitations SET state = 'accepted' WHERE token_hash = orgs_internal.hash_token('sc_tok5')$$),
    ($$UPDATE orgs.invitations SET state = 'pending', decided_at = NULL WHERE token_hash = orgs_internal.hash_token('sc_tok3')$$)) AS t(q);
SELECT o.org_id, i.email, i.state FROM orgs.invitations i JOIN orgs.organizations o ON o.id = i.org_id
 WHERE i.email LIKE 'sc\_%' ORDER BY i.id;
-- the account of a user who decided an invitation can go: the decided
-- invitation keeps its state, without the key; no other user can be put
-- in its place
SELECT orgs.register_user('sc_decider', 'sc_decider@example.com') IS NOT NULL AS registered;
INSERT INTO orgs.invitations (org_id, email, role, token_hash, expires_at)
SELECT o.id, 'sc_decider@example.com', 'org_user', orgs_internal.hash_token('sc_tok6'), now() + interval '1 day'
  FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
UPDATE orgs.invitations SET state = 'declined', decided_at = now(),
       decided_by = (SELECT id FROM orgs.users WHERE handle = 'sc_decider')
 WHERE token_hash = orgs_internal.hash_token('sc_tok6');
DELETE FROM orgs.users WHERE handle = 'sc_decider'; \echo :SQLSTATE
SELECT state, decided_by IS NULL AS decider_gone FROM orgs.invitations
 WHERE token_hash = orgs_internal.hash_token('sc_tok6');
SELECT pg_temp.try($$UPDATE orgs.invitations SET decided_by = (SELECT min(id) FROM orgs.users) WHERE token_hash = orgs_internal.hash_token('sc_tok6')$$);

--------------------------------------------------------------------------
-- The audit log is append-only, even for a role granted UPDATE and DELETE
--------------------------------------------------------------------------
INSERT INTO orgs.audit_log (org_id, actor_handle, event_code, event, target)
SELECT o.id, 'sc_alice', 999, 'sc_test', 'sc_target' FROM orgs.organizations o WHERE o.org_id = 'sc_acme';
CREATE ROLE regress_sc_auditor;
GRANT SELECT, UPDATE, DELETE, TRUNCATE ON orgs.audit_log TO regress_sc_auditor;
SET ROLE regress_sc_auditor;
-- no policy lets this role see a row: nothing to change
SELECT count(*) FROM orgs.audit_log;
UPDATE orgs.audit_log SET event = 'sc_forged';
TRUNCATE orgs.audit_log; \echo :SQLSTATE
RESET ROLE;
-- even when a policy lets it see every row
CREATE POLICY regress_sc_all ON orgs.audit_log TO regress_sc_auditor USING (true);
SET ROLE regress_sc_auditor;
SELECT event FROM orgs.audit_log WHERE event = 'sc_test';
UPDATE orgs.audit_log SET event = 'sc_forged' WHERE event = 'sc_test'; \echo :SQLSTATE
DELETE FROM orgs.audit_log WHERE event = 'sc_test'; \echo :SQLSTATE
RESET ROLE;
DROP POLICY regress_sc_all ON orgs.audit_log;
SELECT event FROM orgs.audit_log WHERE event LIKE 'sc\_%';
REVOKE ALL ON orgs.audit_log FROM regress_sc_auditor;
DROP ROLE regress_sc_auditor;
-- the extension's owner may still clean up
DELETE FROM orgs.audit_log WHERE event = 'sc_test';

--------------------------------------------------------------------------
-- Row-level security is enabled and forced on every table
--------------------------------------------------------------------------
WITH members AS (
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
      FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
     WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
       AND d.refclassid = 'pg_extension'::regclass
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_orgs')
       AND c.relkind IN ('r', 'p'))
SELECT count(*) >= 17 AS enough_tables,
       string_agg(relname, ', ' ORDER BY relname)
           FILTER (WHERE NOT (relrowsecurity AND relforcerowsecurity)) AS without_forced_rls
  FROM members;
-- and no table of schema orgs is left out of the extension
SELECT c.relname AS not_in_extension FROM pg_class c
 WHERE c.relnamespace = 'orgs'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e');

--------------------------------------------------------------------------
-- Every table, column, function, type and sequence has a COMMENT
--------------------------------------------------------------------------
WITH ext AS (
    SELECT d.classid, d.objid FROM pg_depend d
     WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
       AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_orgs')),
objs AS (
    -- (PostgreSQL 17 records the implicit array and row types of the
    -- extension's types, tables and views as members too: they take their
    -- meaning from those, and are left out)
    SELECT classid, objid, 0 AS objsubid FROM ext
     WHERE NOT EXISTS (SELECT 1 FROM pg_type t
                        WHERE ext.classid = 'pg_type'::regclass AND t.oid = ext.objid
                          AND (t.typcategory = 'A'
                               OR EXISTS (SELECT 1 FROM pg_class c
                                           WHERE c.oid = t.typrelid AND c.relkind <> 'c')))
    UNION ALL
    SELECT ext.classid, ext.objid, a.attnum FROM ext
      JOIN pg_class c ON ext.classid = 'pg_class'::regclass AND c.oid = ext.objid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f'))
SELECT pg_describe_object(o.classid, o.objid, o.objsubid) AS without_comment
  FROM objs o
 WHERE NOT EXISTS (SELECT 1 FROM pg_description d
                    WHERE d.classoid = o.classid AND d.objoid = o.objid
                      AND d.objsubid = o.objsubid AND btrim(d.description) <> '')
 ORDER BY 1;
-- (what was checked: kinds of extension member objects)
SELECT classid::regclass AS catalog, count(*) > 0 AS has_members
  FROM pg_depend
 WHERE deptype = 'e' AND refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_orgs')
 GROUP BY 1 ORDER BY 1::text;

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
DELETE FROM orgs.invitations WHERE email LIKE 'sc\_%';
DELETE FROM orgs.apps WHERE app_key LIKE 'sc\_%';
DELETE FROM orgs.organizations WHERE org_id LIKE 'sc\_%';
DELETE FROM orgs.users WHERE handle LIKE 'sc\_%' OR handle = '9sc-x_Y';
SELECT count(*) AS left_over FROM orgs.owner_names WHERE name_key LIKE 'sc\_%' OR name_key = '9sc-x_y';
