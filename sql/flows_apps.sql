--
-- Apps: create_app (personal or in an org), transfer_app, delete_app.
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

-- handle joins org with role, invited by admin (flows_invitations tests this)
CREATE FUNCTION pg_temp.join(org text, admin text, handle text, role orgs.org_role) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tok text;
BEGIN
    PERFORM orgs.act_as(admin, false);
    SELECT i.token INTO tok FROM orgs.invite(org, handle || '@example.com', role) i;
    PERFORM orgs.act_as(handle, false);
    PERFORM orgs.accept_invitation(tok);
    PERFORM orgs.act_as(NULL, false);
END;
$$;

CREATE ROLE regress_fa_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fa_app;

SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['fa_ann', 'fa_oc', 'fa_ou', 'fa_tc', 'fa_solo', 'fa_zed']) h;

SET ROLE regress_fa_app;

SELECT orgs.act_as('fa_zed', false);
SELECT orgs.create_org('fa_other', 'Other tenant') IS NOT NULL AS created;
SELECT orgs.act_as('fa_ann', false);
SELECT orgs.create_org('fa_org', 'Apps Inc') IS NOT NULL AS created;
SELECT orgs.create_org('fa_org2', 'Apps Two') IS NOT NULL AS created;
SELECT pg_temp.join('fa_org', 'fa_ann', 'fa_oc', 'org_contributor');
SELECT pg_temp.join('fa_org', 'fa_ann', 'fa_ou', 'org_user');
SELECT pg_temp.join('fa_org', 'fa_ann', 'fa_tc', 'team_contributor');

-- no acting user
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/x', 'fa_org2')$$);
SELECT pg_temp.try($$SELECT orgs.delete_app('fa_org/x')$$);

--------------------------------------------------------------------------
-- create_app
--------------------------------------------------------------------------
-- personal: the owner is the acting user's own handle (any case)
SELECT orgs.act_as('fa_solo', false);
SELECT orgs.create_app('fa_solo', 'notebook', 'My notebook') IS NOT NULL AS created;
SELECT orgs.create_app('FA_SOLO', 'Sketches') IS NOT NULL AS created;
SELECT orgs.app_permissions('fa_solo', 'fa_solo/notebook') = (SELECT array_agg(name ORDER BY name)
         FROM orgs.permissions WHERE scope = 'app') AS owner_holds_everything;
SELECT app_id, description, org_id IS NULL AS personal FROM orgs.apps ORDER BY app_key;
-- in an org: apps.create
SELECT orgs.act_as('fa_ann', false);
SELECT orgs.create_app('fa_org', 'vision', 'Vision models') IS NOT NULL AS created;
SELECT orgs.create_app('fa_org', 'notebook') IS NOT NULL AS created;   -- another owner, same ID
SELECT orgs.act_as('fa_oc', false);
SELECT orgs.create_app('FA_ORG', 'labels') IS NOT NULL AS created;
SELECT app_id, description FROM orgs.apps ORDER BY app_key;
-- bad input
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'no/slash')$$);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', '')$$);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', NULL)$$);
-- taken, without regard to case
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'VISION')$$);
-- wrong role
SELECT orgs.act_as('fa_ou', false);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'x')$$);
SELECT orgs.act_as('fa_tc', false);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'x')$$);
-- another user's handle, other tenant, nothing at all: one error, so that
-- it tells nothing about which handles exist
SELECT pg_temp.try($$SELECT orgs.create_app('fa_solo', 'x')$$);
SELECT orgs.act_as('fa_zed', false);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_org', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_app('fa_nosuch', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.create_app(NULL, 'x')$$);
-- what each one sees
SELECT orgs.act_as('fa_ou', false);
SELECT app_id FROM orgs.apps ORDER BY app_key;
SELECT orgs.act_as('fa_tc', false);
SELECT count(*) AS apps_seen_by_team_contributor FROM orgs.apps;
SELECT orgs.act_as('fa_zed', false);
SELECT count(*) AS apps_seen_by_other_tenant FROM orgs.apps;

--------------------------------------------------------------------------
-- transfer_app: app.transfer on the app, apps.create in the target org
--------------------------------------------------------------------------
-- a personal app into an org the owner does not belong to
SELECT orgs.act_as('fa_solo', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org')$$);
-- as an org user of the org: no apps.create there
SELECT pg_temp.join('fa_org', 'fa_ann', 'fa_solo', 'org_user');
SELECT orgs.act_as('fa_solo', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org')$$);
-- as an org contributor: yes, but "notebook" is taken there
SELECT orgs.act_as('fa_ann', false);
SELECT orgs.set_member_role('fa_org', 'fa_solo', 'org_contributor');
SELECT orgs.act_as('fa_solo', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org')$$);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org', 'bad id')$$);
SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org', 'solo-notebook');
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_solo/notebook', 'fa_org')$$);
SELECT orgs.act_as('fa_ann', false);
SELECT app_id, description, org_id IS NOT NULL AS in_org FROM orgs.apps WHERE app_id = 'solo-notebook';
-- the org owns it now: its members hold what their roles give
SELECT orgs.has_app_permission('fa_ou', 'fa_org/solo-notebook', 'app.view') AS org_user_views,
       orgs.has_app_permission('fa_ou', 'fa_org/solo-notebook', 'models.create') AS org_user_creates;
-- already there
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/vision', 'fa_org')$$);
-- org to org: the team grants in the old org go
SELECT orgs.create_team('fa_org', 'team', 'Team', 'full_access') IS NOT NULL AS team;
SELECT orgs.add_team_member('fa_org', 'team', 'fa_tc');
SELECT orgs.add_team_app('fa_org', 'team', 'fa_org/vision');
SELECT orgs.has_app_permission('fa_tc', 'fa_org/vision', 'models.create') AS tc_creates_before;
SELECT orgs.transfer_app('fa_org/vision', 'fa_org2');
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'fa_org';
SELECT orgs.has_app_permission('fa_tc', 'fa_org2/vision', 'app.view') AS tc_sees_after;
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/vision', 'fa_org')$$);
-- wrong permission on the app: an org user holds app.view, not app.transfer
SELECT orgs.act_as('fa_ou', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_org2')$$);
-- an app the actor cannot see, and the target org
SELECT orgs.act_as('fa_tc', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_org2')$$);
SELECT orgs.act_as('fa_zed', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_other')$$);
-- an org contributor holds every app permission but app.transfer, which is
-- an admin's alone: moving an app out takes its rows away from the org
SELECT orgs.act_as('fa_oc', false);
SELECT orgs.has_app_permission('fa_org/labels', 'app.delete') AS oc_deletes,
       orgs.has_app_permission('fa_org/labels', 'app.transfer') AS oc_transfers;
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_other')$$);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_org2')$$);
-- the admin may, but not into an org it cannot see
SELECT orgs.act_as('fa_ann', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/labels', 'fa_other')$$);
SELECT orgs.act_as('fa_oc', false);
SELECT pg_temp.try($$SELECT orgs.transfer_app('fa_org/nosuch', 'fa_org2')$$);
SELECT pg_temp.try($$SELECT orgs.transfer_app('nosuch', 'fa_org2')$$);

--------------------------------------------------------------------------
-- delete_app (app.delete)
--------------------------------------------------------------------------
SELECT orgs.act_as('fa_ou', false);
SELECT pg_temp.try($$SELECT orgs.delete_app('fa_org/labels')$$);
SELECT orgs.act_as('fa_zed', false);
SELECT pg_temp.try($$SELECT orgs.delete_app('fa_org/labels')$$);
SELECT pg_temp.try($$SELECT orgs.delete_app('fa_solo/sketches')$$);
SELECT orgs.act_as('fa_ann', false);
SELECT orgs.add_team_app('fa_org', 'team', 'fa_org/labels');
SELECT orgs.act_as('fa_oc', false);
SELECT orgs.delete_app('fa_org/LABELS');
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'fa_org';
SELECT pg_temp.try($$SELECT orgs.delete_app('fa_org/labels')$$);
SELECT pg_temp.try($$SELECT orgs.delete_app(NULL)$$);
-- a personal app, by its owner
SELECT orgs.act_as('fa_solo', false);
SELECT orgs.delete_app('fa_solo/sketches');
SELECT count(*) AS personal_apps_left FROM orgs.apps WHERE owner_user_id IS NOT NULL;

--------------------------------------------------------------------------
-- the audit log of app events (codes 210 to 213): org apps by audit.view,
-- personal apps by the user who acted
--------------------------------------------------------------------------
SELECT orgs.act_as('fa_ann', false);
SELECT o.org_id, a.event_code, a.event, a.actor_handle, a.target, a.details - 'app_id' AS details
  FROM orgs.audit_log a JOIN orgs.organizations o ON o.id = a.org_id
 WHERE a.event_code BETWEEN 210 AND 213 ORDER BY a.id;
SELECT orgs.act_as('fa_solo', false);
SELECT event_code, event, target, details - 'app_id' AS details
  FROM orgs.audit_log WHERE org_id IS NULL ORDER BY id;
SELECT orgs.act_as('fa_oc', false);
SELECT count(*) AS audit_rows_seen_by_org_contributor FROM orgs.audit_log;

--------------------------------------------------------------------------
-- clean up
--------------------------------------------------------------------------
SELECT orgs.act_as('fa_ann', false);
SELECT orgs.delete_org('fa_org', drop_apps => true);
SELECT orgs.delete_org('fa_org2', drop_apps => true);
SELECT orgs.act_as('fa_zed', false);
SELECT orgs.delete_org('fa_other', drop_apps => true);
SELECT orgs.act_as(NULL, false);
RESET ROLE;
DELETE FROM orgs.users WHERE handle LIKE 'fa\_%';
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'fa\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_fa_app;
DROP ROLE regress_fa_app;
