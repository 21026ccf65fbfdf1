--
-- Teams: create_team, rename_team, set_team_default_permission, delete_team,
-- add_team_member, remove_team_member, add_team_app, set_team_app_permission,
-- remove_team_app; the views orgs.org_teams and orgs.app_teams.
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

CREATE ROLE regress_ft_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_ft_app;

SELECT count(orgs.register_user(h, h || '@example.com', initcap(h), 'Test')) AS registered
  FROM unnest(ARRAY['ft_ann', 'ft_oc', 'ft_ou', 'ft_tc', 'ft_tc2', 'ft_fin', 'ft_zed', 'ft_out']) h;

SET ROLE regress_ft_app;

SELECT orgs.act_as('ft_zed', false);
SELECT orgs.create_org('ft_other', 'Other tenant') IS NOT NULL AS created;
SELECT orgs.create_app('ft_other', 'ft_zapp') IS NOT NULL AS app;
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.create_org('ft_org', 'Teams Inc') IS NOT NULL AS created;
SELECT orgs.create_app('ft_org', 'ft_app1') IS NOT NULL AS app;
SELECT orgs.create_app('ft_org', 'ft_app2') IS NOT NULL AS app;
SELECT orgs.create_app('ft_ann', 'ft_mine') IS NOT NULL AS personal_app;
SELECT pg_temp.join('ft_org', 'ft_ann', 'ft_oc', 'org_contributor');
SELECT pg_temp.join('ft_org', 'ft_ann', 'ft_ou', 'org_user');
SELECT pg_temp.join('ft_org', 'ft_ann', 'ft_tc', 'team_contributor');
SELECT pg_temp.join('ft_org', 'ft_ann', 'ft_tc2', 'team_contributor');
SELECT pg_temp.join('ft_org', 'ft_ann', 'ft_fin', 'financial_manager');

-- no acting user
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'x', 'ft_tc')$$);

--------------------------------------------------------------------------
-- create_team (teams.manage)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.create_team('ft_org', 'Labelers', 'Labeling team', 'labeler_worker') IS NOT NULL AS created;
-- an org contributor holds teams.manage
SELECT orgs.act_as('ft_oc', false);
SELECT orgs.create_team('ft_org', 'trainers', '  Model trainers ', 'model_trainer') IS NOT NULL AS created;
SELECT org_id, team_id, name, default_permission, members, apps FROM orgs.org_teams ORDER BY team_id;
-- bad input
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'bad id', 'x', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', NULL, 'x', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', ' ', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', NULL)$$);
-- unique within the org, without regard to case
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'LABELERS', 'x', 'full_access')$$);
-- wrong role
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', 'full_access')$$);
SELECT orgs.act_as('ft_fin', false);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', 'full_access')$$);
-- non-member, other tenant, unknown org
SELECT orgs.act_as('ft_out', false);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', 'full_access')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_org', 'x', 'X', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.create_team('ft_nosuch', 'x', 'X', 'full_access')$$);
-- the same team ID in another org is another team
SELECT orgs.create_team('ft_other', 'labelers', 'Their labelers', 'full_access') IS NOT NULL AS created;
SELECT org_id, team_id FROM orgs.org_teams ORDER BY org_id, team_id;

--------------------------------------------------------------------------
-- rename_team (teams.manage)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.rename_team('ft_org', 'labelers', 'Labelers');
SELECT orgs.rename_team('ft_org', 'LABELERS', ' Labelers ');     -- no change
SELECT team_id, name FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;
SELECT pg_temp.try($$SELECT orgs.rename_team('ft_org', 'labelers', '')$$);
SELECT pg_temp.try($$SELECT orgs.rename_team('ft_org', 'nosuch', 'X')$$);
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.rename_team('ft_org', 'labelers', 'X')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.rename_team('ft_org', 'labelers', 'X')$$);

--------------------------------------------------------------------------
-- add_team_member (teams.manage_members): org members only
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_tc');
SELECT orgs.add_team_member('ft_org', 'Labelers', 'FT_TC2');
SELECT orgs.act_as('ft_oc', false);
SELECT orgs.add_team_member('ft_org', 'trainers', 'ft_tc');
SELECT orgs.add_team_member('ft_org', 'trainers', 'ft_ou');
SELECT team_id, members FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;
-- a user outside the org and a handle that is nobody's: one error
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_out')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_zed')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_nosuch')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_tc')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'nosuch', 'ft_tc')$$);
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_ou')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_zed')$$);
-- a team of another org is not reachable through this org
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_other', 'trainers', 'ft_zed')$$);

--------------------------------------------------------------------------
-- add_team_app (teams.manage_apps): apps the org owns; NULL = default
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'app.view') AS tc_sees_app1_before;
SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app1');
SELECT orgs.add_team_app('ft_org', 'labelers', 'FT_ORG/FT_APP2', 'labeler_lead');
SELECT orgs.act_as('ft_oc', false);
SELECT orgs.add_team_app('ft_org', 'trainers', 'ft_org/ft_app1', NULL);
-- an org contributor gives every level but full_access, which includes
-- app.transfer: on an org's app, an admin's alone
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app2', 'full_access')$$);
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;
-- the grants take effect at once
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'app.view') AS tc_sees_app1,
       orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'tasks.work') AS tc_works_app1,
       orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'models.train') AS tc_trains_app1,
       orgs.has_app_permission('ft_tc', 'ft_org/ft_app2', 'tasks.assign') AS tc_assigns_app2,
       orgs.has_app_permission('ft_tc2', 'ft_org/ft_app1', 'models.train') AS tc2_trains_app1;
-- only apps the org owns
SELECT orgs.act_as('ft_ann', false);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_ann/ft_mine')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_other/ft_zapp')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/nosuch')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'no slash')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', NULL)$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app1', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'nosuch', 'ft_org/ft_app1')$$);
-- wrong role, other tenant
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT orgs.act_as('ft_tc', false);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_other', 'labelers', 'ft_org/ft_app2')$$);

--------------------------------------------------------------------------
-- set_team_app_permission (teams.manage_apps)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app1', 'labeler_lead');
SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app1', 'labeler_lead');  -- no change
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;
SELECT orgs.has_app_permission('ft_tc2', 'ft_org/ft_app1', 'tasks.assign') AS tc2_assigns_app1;
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app1', NULL)$$);
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'trainers', 'ft_org/ft_app2', 'full_access')$$);
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'nosuch', 'ft_org/ft_app2', 'full_access')$$);
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app1', 'full_access')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'labelers', 'ft_org/ft_app1', 'full_access')$$);

--------------------------------------------------------------------------
-- No escalation (invariant 5).  Admins and org contributors hold every
-- app permission on the org's apps; give org users, for one transaction,
-- teams.manage_apps, teams.manage_members and tasks.work on every app.
--------------------------------------------------------------------------
RESET ROLE;
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO orgs.role_org_permissions (role, permission)
VALUES ('org_user', 'teams.manage_apps'), ('org_user', 'teams.manage_members');
INSERT INTO orgs.role_app_baseline (role, permission) VALUES ('org_user', 'tasks.work');
SET LOCAL ROLE regress_ft_app;
SELECT orgs.act_as('ft_ou');
-- labeler_worker = app.view, tasks.work: within what ft_ou holds
SELECT orgs.add_team_app('ft_org', 'trainers', 'ft_org/ft_app2', 'labeler_worker');
-- labeler_lead includes annotations.feedback (and more), which ft_ou lacks
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ft_org', 'trainers', 'ft_org/ft_app2', 'labeler_lead')$$);
SELECT pg_temp.try($$SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app2', 'full_access')$$);
-- "labelers" holds both apps at labeler_lead: ft_ou cannot add herself
-- (nor anyone whose role lets the level through)
SELECT pg_temp.try($$SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_ou')$$);
-- a financial manager gets nothing from a team (empty ceiling): allowed
SELECT orgs.add_team_member('ft_org', 'labelers', 'ft_fin');
-- ft_ou is in "trainers" (model_trainer on ft_app1), so she holds what
-- that team gives a team contributor: allowed
SELECT orgs.add_team_member('ft_org', 'trainers', 'ft_tc2');
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SET ROLE regress_ft_app;

--------------------------------------------------------------------------
-- what each role sees: orgs.org_teams and orgs.app_teams
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT app, org_id, team_id, team_name, permission FROM orgs.app_teams ORDER BY app, team_id;
SELECT orgs.act_as('ft_tc2', false);     -- a team contributor holds teams.view
SELECT team_id, members, apps FROM orgs.org_teams ORDER BY team_id;
SELECT app, team_id, permission FROM orgs.app_teams ORDER BY app, team_id;
SELECT orgs.act_as('ft_fin', false);     -- a financial manager does not
SELECT count(*) AS teams_seen FROM orgs.org_teams;
SELECT count(*) AS team_rows_seen FROM orgs.teams;
SELECT orgs.act_as('ft_zed', false);     -- another tenant sees only its own
SELECT org_id, team_id FROM orgs.org_teams ORDER BY org_id, team_id;
SELECT count(*) AS app_team_rows_seen FROM orgs.app_teams;

--------------------------------------------------------------------------
-- remove_team_app (teams.manage_apps)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT orgs.act_as('ft_ann', false);
SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/ft_app2');
SELECT pg_temp.try($$SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/ft_app2')$$);
SELECT pg_temp.try($$SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/nosuch')$$);
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app2', 'app.view') AS tc_sees_app2;
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;

--------------------------------------------------------------------------
-- set_team_default_permission (teams.manage): apps added later only
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.set_team_default_permission('ft_org', 'labelers', 'labeler_lead')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.set_team_default_permission('ft_org', 'labelers', 'labeler_lead')$$);
SELECT orgs.act_as('ft_ann', false);
SELECT default_permission FROM orgs.org_teams WHERE org_id = 'ft_org' AND lower(team_id::text) = 'labelers';
SELECT orgs.set_team_default_permission('ft_org', 'LABELERS', 'model_trainer');
SELECT orgs.set_team_default_permission('ft_org', 'labelers', 'model_trainer');   -- no change, not logged
SELECT default_permission FROM orgs.org_teams WHERE org_id = 'ft_org' AND lower(team_id::text) = 'labelers';
SELECT pg_temp.try($$SELECT orgs.set_team_default_permission('ft_org', 'labelers', NULL)$$);
SELECT pg_temp.try($$SELECT orgs.set_team_default_permission('ft_org', 'labelers', 'labeler_boss')$$);
SELECT pg_temp.try($$SELECT orgs.set_team_default_permission('ft_org', 'nosuch', 'labeler_lead')$$);
-- the app the team had keeps its level; an app added without one gets the new default
SELECT orgs.add_team_app('ft_org', 'labelers', 'ft_org/ft_app2');
SELECT team_id, apps FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app2', 'models.train') AS tc_trains_app2;
SELECT orgs.remove_team_app('ft_org', 'labelers', 'ft_org/ft_app2');

--------------------------------------------------------------------------
-- remove_team_member (teams.manage_members)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.remove_team_member('ft_org', 'labelers', 'ft_tc')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.remove_team_member('ft_org', 'labelers', 'ft_tc')$$);
SELECT orgs.act_as('ft_oc', false);
SELECT orgs.remove_team_member('ft_org', 'labelers', 'FT_TC');
SELECT pg_temp.try($$SELECT orgs.remove_team_member('ft_org', 'labelers', 'ft_tc')$$);
SELECT pg_temp.try($$SELECT orgs.remove_team_member('ft_org', 'labelers', 'ft_nosuch')$$);
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'tasks.work') AS tc_works_app1,
       orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'models.train') AS tc_trains_app1_via_trainers;
SELECT team_id, members FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;

--------------------------------------------------------------------------
-- delete_team (teams.manage): its memberships and grants go with it
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ou', false);
SELECT pg_temp.try($$SELECT orgs.delete_team('ft_org', 'trainers')$$);
SELECT orgs.act_as('ft_zed', false);
SELECT pg_temp.try($$SELECT orgs.delete_team('ft_org', 'trainers')$$);
SELECT orgs.act_as('ft_oc', false);
SELECT orgs.delete_team('ft_org', 'trainers');
SELECT pg_temp.try($$SELECT orgs.delete_team('ft_org', 'trainers')$$);
SELECT orgs.has_app_permission('ft_tc', 'ft_org/ft_app1', 'app.view') AS tc_sees_app1;
SELECT team_id, members, apps FROM orgs.org_teams WHERE org_id = 'ft_org' ORDER BY team_id;

--------------------------------------------------------------------------
-- the audit log of team events (codes 107 to 113)
--------------------------------------------------------------------------
SELECT orgs.act_as('ft_ann', false);
SELECT event_code, event, actor_handle, target, details
  FROM orgs.audit_log
 WHERE org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ft_org')
   AND event_code BETWEEN 107 AND 113
 ORDER BY id;

--------------------------------------------------------------------------
-- clean up
--------------------------------------------------------------------------
SELECT orgs.delete_org('ft_org', drop_apps => true);
SELECT orgs.delete_app('ft_ann/ft_mine');
SELECT orgs.act_as('ft_zed', false);
SELECT orgs.delete_org('ft_other', drop_apps => true);
SELECT orgs.act_as(NULL, false);
RESET ROLE;
DELETE FROM orgs.users WHERE handle LIKE 'ft\_%';
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'ft\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_ft_app;
DROP ROLE regress_ft_app;
