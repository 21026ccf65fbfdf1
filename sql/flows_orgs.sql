--
-- Organizations and members: create_org, update_org, delete_org,
-- leave_org, set_member_role, remove_member, and the audit log they write.
--
-- Every refusal is run through pg_temp.try, which prints the SQLSTATE as a
-- NOTICE and re-raises the error, so the message, DETAIL and HINT follow.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE FUNCTION pg_temp.try(cmd text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    EXECUTE cmd;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    RAISE NOTICE 'SQLSTATE %', st;
    RAISE;
END;
$$;

-- The application's role: it may act as users; it holds no privilege on
-- the tables beyond what the extension grants to PUBLIC.
CREATE ROLE regress_fo_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fo_app;

SELECT orgs.register_user('fo_alice', 'fo_alice@example.com', 'Alice', 'Anders') IS NOT NULL AS registered;
SELECT orgs.register_user('fo_bob', 'fo_bob@example.com', 'Bob', 'Berg') IS NOT NULL AS registered;
SELECT orgs.register_user('fo_carol', 'fo_carol@example.com') IS NOT NULL AS registered;
SELECT orgs.register_user('fo_dave', 'fo_dave@example.com') IS NOT NULL AS registered;
SELECT orgs.register_user('fo_frank', 'fo_frank@example.com') IS NOT NULL AS registered;

SET ROLE regress_fo_app;

-- No acting user: refused before anything else.
SELECT pg_temp.try($$SELECT orgs.create_org('fo_acme', 'Acme')$$);
SELECT pg_temp.try($$SELECT orgs.leave_org('fo_acme')$$);

--------------------------------------------------------------------------
-- create_org
--------------------------------------------------------------------------
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.create_org('fo_acme', '  Acme Inc  ', ' Billing@Acme.Example ') IS NOT NULL AS created;
SELECT org_id, name, role FROM orgs.my_orgs ORDER BY org_id;
SELECT org_id, name, billing_email FROM orgs.organizations WHERE org_id = 'fo_acme';

-- bad input
SELECT pg_temp.try($$SELECT orgs.create_org('-fo', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_org('fo/acme', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_org(NULL, 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_org('fo_x', '   ')$$);
SELECT pg_temp.try($$SELECT orgs.create_org('fo_x', repeat('n', 201))$$);
SELECT pg_temp.try($$SELECT orgs.create_org('fo_x', 'x', 'not-an-address')$$);
-- taken: by an org (whatever the case) or by a user handle
SELECT pg_temp.try($$SELECT orgs.create_org('FO_ACME', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_org('FO_Bob', 'x')$$);

-- another tenant
SELECT orgs.act_as('fo_frank', false);
SELECT orgs.create_org('fo_globex', 'Globex') IS NOT NULL AS created;

-- members join through invitations (flows_invitations tests those)
SELECT orgs.act_as('fo_alice', false);
SELECT token AS tok_bob FROM orgs.invite('fo_acme', 'fo_bob@example.com', 'org_user') \gset
SELECT token AS tok_carol FROM orgs.invite('fo_acme', 'fo_carol@example.com', 'org_contributor') \gset
SELECT token AS tok_dave FROM orgs.invite('fo_acme', 'fo_dave@example.com', 'team_contributor') \gset
SELECT orgs.act_as('fo_frank', false);
SELECT token AS tok_alice_g FROM orgs.invite('fo_globex', 'fo_alice@example.com', 'org_user') \gset
SELECT orgs.act_as('fo_bob', false);
SELECT orgs.accept_invitation(:'tok_bob') AS acme_key \gset
SELECT id = :acme_key AS key_returned, org_id, role FROM orgs.my_orgs;
SELECT orgs.act_as('fo_carol', false);
SELECT orgs.accept_invitation(:'tok_carol') IS NOT NULL AS joined;
SELECT orgs.act_as('fo_dave', false);
SELECT orgs.accept_invitation(:'tok_dave') IS NOT NULL AS joined;

-- multi-org membership: alice is admin of one org and org_user of another
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.accept_invitation(:'tok_alice_g') IS NOT NULL AS joined;
SELECT org_id, role FROM orgs.my_orgs ORDER BY org_id;
SELECT org_id, user_handle, role FROM orgs.org_members ORDER BY org_id, user_handle;

--------------------------------------------------------------------------
-- update_org (org.edit)
--------------------------------------------------------------------------
SELECT orgs.update_org('fo_acme', name => 'Acme Corporation');
SELECT orgs.update_org('FO_ACME', billing_email => 'AP@acme.example');
SELECT org_id, name, billing_email FROM orgs.organizations WHERE org_id = 'fo_acme';
SELECT orgs.update_org('fo_acme', billing_email => '');     -- clears it
SELECT orgs.update_org('fo_acme');                          -- nothing to do
SELECT org_id, name, billing_email FROM orgs.organizations WHERE org_id = 'fo_acme';
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', name => '')$$);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', billing_email => 'x@')$$);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_nosuch', name => 'x')$$);
-- alice is only an org_user in globex
SELECT pg_temp.try($$SELECT orgs.update_org('fo_globex', name => 'Mine')$$);
-- wrong role in acme
SELECT orgs.act_as('fo_bob', false);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', name => 'Bob''s')$$);
SELECT orgs.act_as('fo_carol', false);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', name => 'Carol''s')$$);
-- another tenant: the org is reported exactly as one that does not exist
SELECT orgs.act_as('fo_frank', false);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', name => 'Frank''s')$$);
SELECT pg_temp.try($$SELECT orgs.update_org('fo_nosuch', name => 'Frank''s')$$);

--------------------------------------------------------------------------
-- set_member_role (members.manage)
--------------------------------------------------------------------------
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.set_member_role('fo_acme', 'fo_bob', 'org_contributor');
SELECT orgs.set_member_role('fo_acme', 'FO_BOB', 'org_contributor');   -- no change
SELECT orgs.set_member_role('fo_acme', 'fo_bob', 'org_user');
SELECT user_handle, role FROM orgs.org_members WHERE org_id = 'fo_acme' ORDER BY user_handle;
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_bob', NULL)$$);
-- a handle that is nobody's and a user of no concern to this org: one
-- error, so that it tells nothing about which handles exist
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_nosuch', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_frank', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_nosuch', 'fo_bob', 'org_user')$$);
-- the last admin cannot step down
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_alice', 'org_user')$$);
-- wrong role: an org contributor cannot manage members
SELECT orgs.act_as('fo_carol', false);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_dave', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_carol', 'admin')$$);
-- another tenant
SELECT orgs.act_as('fo_frank', false);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_bob', 'admin')$$);
-- alice in globex, where she is an org user
SELECT orgs.act_as('fo_alice', false);
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_globex', 'fo_alice', 'admin')$$);

-- No escalation (invariant 5).  With today's matrix only admins hold
-- members.manage, and admins hold everything; give org contributors
-- members.manage for one transaction to see the rule at work.
-- (ON_ERROR_ROLLBACK keeps the transaction going after each refusal.)
RESET ROLE;
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO orgs.role_org_permissions (role, permission) VALUES ('org_contributor', 'members.manage');
SET LOCAL ROLE regress_fo_app;
SELECT orgs.act_as('fo_carol');
-- within carol's own permissions: fine
SELECT orgs.set_member_role('fo_acme', 'fo_dave', 'org_user');
-- admin holds audit.view (and org.delete, ...), which carol lacks
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_dave', 'admin')$$);
-- financial managers hold billing.view, which carol lacks
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_dave', 'financial_manager')$$);
-- nor can she touch an admin
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_alice', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_alice')$$);
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SET ROLE regress_fo_app;

-- hand over: promote another admin first, then step down
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.set_member_role('fo_acme', 'fo_bob', 'admin');
SELECT orgs.set_member_role('fo_acme', 'fo_alice', 'org_contributor');
SELECT user_handle, role FROM orgs.org_members WHERE org_id = 'fo_acme' ORDER BY user_handle;
-- alice no longer manages members
SELECT pg_temp.try($$SELECT orgs.set_member_role('fo_acme', 'fo_alice', 'admin')$$);
SELECT orgs.act_as('fo_bob', false);
SELECT orgs.set_member_role('fo_acme', 'fo_alice', 'admin');

--------------------------------------------------------------------------
-- remove_member (members.manage): also from the org's teams
--------------------------------------------------------------------------
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.create_team('fo_acme', 'fo_team', 'Team', 'labeler_worker') IS NOT NULL AS team;
SELECT orgs.add_team_member('fo_acme', 'fo_team', 'fo_dave');
SELECT orgs.add_team_member('fo_acme', 'fo_team', 'fo_carol');
SELECT team_id, members FROM orgs.org_teams WHERE org_id = 'fo_acme';
SELECT orgs.remove_member('fo_acme', 'fo_dave');
SELECT team_id, members FROM orgs.org_teams WHERE org_id = 'fo_acme';
SELECT user_handle, role FROM orgs.org_members WHERE org_id = 'fo_acme' ORDER BY user_handle;
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_dave')$$);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_nosuch')$$);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_nosuch', 'fo_bob')$$);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_globex', 'fo_frank')$$);
-- wrong role
SELECT orgs.act_as('fo_carol', false);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_bob')$$);
-- another tenant
SELECT orgs.act_as('fo_frank', false);
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_bob')$$);
-- removing the last admin: demote bob, then alice tries to remove herself
SELECT orgs.act_as('fo_alice', false);
SELECT orgs.set_member_role('fo_acme', 'fo_bob', 'org_user');
SELECT pg_temp.try($$SELECT orgs.remove_member('fo_acme', 'fo_alice')$$);
-- the removed member no longer sees the org
SELECT orgs.act_as('fo_dave', false);
SELECT org_id FROM orgs.my_orgs;
SELECT pg_temp.try($$SELECT orgs.leave_org('fo_acme')$$);

--------------------------------------------------------------------------
-- leave_org
--------------------------------------------------------------------------
SELECT orgs.act_as('fo_carol', false);
SELECT orgs.leave_org('fo_acme');
SELECT org_id FROM orgs.my_orgs;
SELECT pg_temp.try($$SELECT orgs.leave_org('fo_acme')$$);
SELECT pg_temp.try($$SELECT orgs.leave_org('fo_globex')$$);
SELECT pg_temp.try($$SELECT orgs.leave_org(NULL)$$);
-- the last admin cannot leave
SELECT orgs.act_as('fo_alice', false);
SELECT pg_temp.try($$SELECT orgs.leave_org('fo_acme')$$);
-- leaving one org keeps the others
SELECT orgs.leave_org('fo_globex');
SELECT org_id, role FROM orgs.my_orgs ORDER BY org_id;
SELECT team_id, members FROM orgs.org_teams WHERE org_id = 'fo_acme';

--------------------------------------------------------------------------
-- delete_org (org.delete): not while the org owns apps, unless drop_apps
--------------------------------------------------------------------------
SELECT orgs.create_app('fo_acme', 'fo_app') IS NOT NULL AS app;
SELECT orgs.add_team_app('fo_acme', 'fo_team', 'fo_acme/fo_app');
SELECT pg_temp.try($$SELECT orgs.delete_org('fo_acme')$$);
SELECT pg_temp.try($$SELECT orgs.delete_org('fo_acme', false)$$);
-- wrong role
SELECT orgs.act_as('fo_bob', false);
SELECT pg_temp.try($$SELECT orgs.delete_org('fo_acme', true)$$);
-- another tenant
SELECT orgs.act_as('fo_frank', false);
SELECT pg_temp.try($$SELECT orgs.delete_org('fo_acme', true)$$);
SELECT pg_temp.try($$SELECT orgs.delete_org('fo_nosuch')$$);

-- The audit log of fo_acme so far, read by its admin (audit.view) while
-- the org still exists.  Keys vary between runs; they are left out.
SELECT orgs.act_as('fo_alice', false);
SELECT event_code, event, actor_handle, target,
       details - ARRAY['invitation_id', 'expires_at', 'app_id'] AS details, success
  FROM orgs.audit_log WHERE org_id = :acme_key ORDER BY id;
-- an org user does not hold audit.view
SELECT orgs.act_as('fo_bob', false);
SELECT count(*) AS audit_rows_seen_by_org_user FROM orgs.audit_log WHERE org_id = :acme_key;

SELECT orgs.act_as('fo_alice', false);
SELECT orgs.delete_org('fo_acme', drop_apps => true);
SELECT org_id FROM orgs.my_orgs;
SELECT pg_temp.try($$SELECT orgs.update_org('fo_acme', name => 'x')$$);
-- the name is free again
SELECT orgs.create_org('fo_acme', 'Acme again') IS NOT NULL AS created;
SELECT orgs.delete_org('fo_acme');

RESET ROLE;
-- what delete_org removed, and the audit rows it kept
SELECT (SELECT count(*) FROM orgs.members WHERE org_id = :acme_key) AS members,
       (SELECT count(*) FROM orgs.teams WHERE org_id = :acme_key) AS teams,
       (SELECT count(*) FROM orgs.apps WHERE org_id = :acme_key) AS apps,
       (SELECT count(*) FROM orgs.invitations WHERE org_id = :acme_key) AS invitations,
       (SELECT count(*) FROM orgs.notifications WHERE org_id = :acme_key) AS notifications;
SELECT event_code, event, actor_handle, target, details - 'app_id' AS details
  FROM orgs.audit_log WHERE org_id = :acme_key AND event_code >= 200 ORDER BY id;

--------------------------------------------------------------------------
-- clean up
--------------------------------------------------------------------------
SELECT orgs.act_as('fo_frank', false);
SELECT orgs.delete_org('fo_globex');
SELECT orgs.act_as(NULL, false);
DELETE FROM orgs.users WHERE handle LIKE 'fo\_%';
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'fo\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_fo_app;
DROP ROLE regress_fo_app;
