--
-- The read side: row-level security on every data table for each kind of
-- user, the views for people, column privileges, and direct writes by
-- ordinary roles (refused).
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

-- A function that reports every row it is shown: not leakproof, so row
-- security (and the security-barrier views) must filter before it runs.
CREATE FUNCTION pg_temp.peek(val text) RETURNS boolean
LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    RAISE NOTICE 'saw %', val;
    RETURN true;
END;
$$;

-- What the caller sees of each data table (the rows of this test).
CREATE FUNCTION pg_temp.visible() RETURNS TABLE(tbl text, rows_seen text)
LANGUAGE sql AS $$
    SELECT 'organizations', string_agg(org_id, ' ' ORDER BY org_id) FROM orgs.organizations WHERE org_id LIKE 'fr\_%'
    UNION ALL
    SELECT 'owner_names', string_agg(name_key, ' ' ORDER BY name_key) FROM orgs.owner_names WHERE name_key LIKE 'fr\_%'
    UNION ALL
    SELECT 'users', string_agg(handle, ' ' ORDER BY handle) FROM orgs.users WHERE handle LIKE 'fr\_%'
    UNION ALL
    SELECT 'members', string_agg(o.org_id || ':' || u.handle, ' ' ORDER BY o.org_id, u.handle)
      FROM orgs.members m
      JOIN orgs.organizations o ON o.id = m.org_id
      JOIN orgs.users u ON u.id = m.user_id
    UNION ALL
    SELECT 'members (keys)', count(*)::text FROM orgs.members
    UNION ALL
    SELECT 'apps', string_agg(app_id, ' ' ORDER BY app_id) FROM orgs.apps WHERE app_id LIKE 'fr\_%'
    UNION ALL
    SELECT 'teams', string_agg(team_id, ' ' ORDER BY team_id) FROM orgs.teams
    UNION ALL
    SELECT 'team_members', count(*)::text FROM orgs.team_members
    UNION ALL
    SELECT 'team_apps', count(*)::text FROM orgs.team_apps
    UNION ALL
    SELECT 'invitations', string_agg(email, ' ' ORDER BY email) FROM orgs.invitations
    UNION ALL
    SELECT 'notifications', string_agg(event, ' ' ORDER BY id) FROM orgs.notifications
    UNION ALL
    SELECT 'audit_log', count(*)::text FROM orgs.audit_log WHERE actor_handle LIKE 'fr\_%'
$$;

CREATE ROLE regress_fr_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fr_app;
CREATE ROLE regress_fr_admin_login;

SELECT count(orgs.register_user(h, h || '@example.com', initcap(substr(h, 4)), 'Tester')) AS registered
  FROM unnest(ARRAY['fr_ann', 'fr_ou', 'fr_lead', 'fr_worker', 'fr_fin', 'fr_zed', 'fr_nobody']) h;

SET ROLE regress_fr_app;
SELECT orgs.act_as('fr_zed', false);
SELECT orgs.create_org('fr_other', 'Other tenant') IS NOT NULL AS created;
SELECT orgs.create_app('fr_other', 'fr_zapp') IS NOT NULL AS app;
SELECT orgs.act_as('fr_ann', false);
SELECT orgs.create_org('fr_org', 'RLS Inc') IS NOT NULL AS created;
SELECT orgs.create_app('fr_org', 'fr_app') IS NOT NULL AS app;
SELECT orgs.create_app('fr_org', 'fr_hidden') IS NOT NULL AS app;
SELECT pg_temp.join('fr_org', 'fr_ann', 'fr_ou', 'org_user');
SELECT pg_temp.join('fr_org', 'fr_ann', 'fr_lead', 'team_contributor');
SELECT pg_temp.join('fr_org', 'fr_ann', 'fr_worker', 'team_contributor');
SELECT pg_temp.join('fr_org', 'fr_ann', 'fr_fin', 'financial_manager');
SELECT orgs.act_as('fr_ann', false);
-- leads hold fr_app at labeler_lead; workers at labeler_worker; the lead
-- is in both teams
SELECT orgs.create_team('fr_org', 'leads', 'Leads', 'labeler_lead') IS NOT NULL AS team;
SELECT orgs.create_team('fr_org', 'workers', 'Workers', 'labeler_worker') IS NOT NULL AS team;
SELECT orgs.add_team_app('fr_org', 'leads', 'fr_org/fr_app');
SELECT orgs.add_team_app('fr_org', 'workers', 'fr_org/fr_app');
SELECT orgs.add_team_member('fr_org', 'leads', 'fr_lead');
SELECT orgs.add_team_member('fr_org', 'workers', 'fr_lead');
SELECT orgs.add_team_member('fr_org', 'workers', 'fr_worker');
SELECT count(*) AS invited FROM orgs.invite('fr_org', 'fr_nobody@example.com', 'org_user');
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- Rows visible in each table, user by user (pg_temp.visible, above)
--------------------------------------------------------------------------
-- no acting user: nothing
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_ann', false);        -- admin
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_ou', false);         -- org user
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_lead', false);       -- team contributor, labeler lead
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_fin', false);        -- financial manager
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_zed', false);        -- another tenant
SELECT * FROM pg_temp.visible();
SELECT orgs.act_as('fr_nobody', false);     -- no org, one invitation
SELECT * FROM pg_temp.visible();

--------------------------------------------------------------------------
-- Views for people
--------------------------------------------------------------------------
-- me: one's own account
SELECT orgs.act_as('fr_lead', false);
SELECT handle, email, first_name, last_name FROM orgs.me;
-- org_members: e-mail to members.manage; names to members.manage and, per
-- team_members.view, to a lead for the members of the lead's teams
SELECT orgs.act_as('fr_ann', false);
SELECT org_id, user_handle, role, email, first_name, last_name FROM orgs.org_members ORDER BY org_id, user_handle;
SELECT orgs.act_as('fr_lead', false);
SELECT user_handle, role, email, first_name, last_name FROM orgs.org_members ORDER BY user_handle;
SELECT orgs.act_as('fr_worker', false);     -- labeler worker: no team_members.view
SELECT user_handle, email, first_name, last_name FROM orgs.org_members ORDER BY user_handle;
SELECT orgs.act_as('fr_ou', false);         -- org user: no team_members.view
SELECT user_handle, email, first_name, last_name FROM orgs.org_members ORDER BY user_handle;
SELECT orgs.act_as('fr_fin', false);        -- no members.view: only itself
SELECT user_handle, role, email, first_name FROM orgs.org_members ORDER BY user_handle;
-- my_orgs, my_invitations, org_invitations
SELECT orgs.act_as('fr_nobody', false);
SELECT count(*) AS my_orgs FROM orgs.my_orgs;
SELECT org_id, org_name, role, invited_by FROM orgs.my_invitations;
SELECT count(*) AS org_invitations FROM orgs.org_invitations;
SELECT orgs.act_as('fr_ann', false);
SELECT org_id, email, role, state, invited_by FROM orgs.org_invitations ORDER BY email;
-- org_teams and app_teams
SELECT orgs.act_as('fr_worker', false);
SELECT team_id, members, apps FROM orgs.org_teams ORDER BY team_id;
SELECT app, team_id, permission FROM orgs.app_teams ORDER BY team_id;
SELECT orgs.act_as('fr_fin', false);
SELECT count(*) AS org_teams FROM orgs.org_teams;
SELECT count(*) AS app_teams FROM orgs.app_teams;
-- with no acting user every view is empty
SELECT orgs.act_as(NULL, false);
SELECT (SELECT count(*) FROM orgs.me) AS me, (SELECT count(*) FROM orgs.my_orgs) AS my_orgs,
       (SELECT count(*) FROM orgs.my_invitations) AS my_invitations,
       (SELECT count(*) FROM orgs.org_invitations) AS org_invitations,
       (SELECT count(*) FROM orgs.org_members) AS org_members,
       (SELECT count(*) FROM orgs.org_teams) AS org_teams,
       (SELECT count(*) FROM orgs.app_teams) AS app_teams;

--------------------------------------------------------------------------
-- Filtering happens before the caller's own functions see a row
--------------------------------------------------------------------------
SELECT orgs.act_as('fr_fin', false);
SELECT count(*) AS users_seen FROM orgs.users WHERE pg_temp.peek(handle::text);
SELECT count(*) AS members_seen FROM orgs.org_members WHERE pg_temp.peek(user_handle);
SELECT count(*) AS apps_seen FROM orgs.apps WHERE pg_temp.peek(app_id::text);

--------------------------------------------------------------------------
-- Columns: e-mail and names of users, token hashes of invitations
--------------------------------------------------------------------------
SELECT orgs.act_as('fr_ann', false);
SELECT pg_temp.try($$SELECT email FROM orgs.users$$);
SELECT pg_temp.try($$SELECT first_name FROM orgs.users$$);
SELECT pg_temp.try($$SELECT * FROM orgs.users$$);
SELECT pg_temp.try($$SELECT token_hash FROM orgs.invitations$$);

--------------------------------------------------------------------------
-- Direct writes by ordinary roles are refused, even acting as an admin
--------------------------------------------------------------------------
SELECT pg_temp.try($$INSERT INTO orgs.organizations (org_id, name) VALUES ('fr_x', 'x')$$);
SELECT pg_temp.try($$UPDATE orgs.organizations SET name = 'x'$$);
SELECT pg_temp.try($$DELETE FROM orgs.organizations$$);
SELECT pg_temp.try($$INSERT INTO orgs.users (handle, email) VALUES ('fr_x', 'fr_x@example.com')$$);
SELECT pg_temp.try($$UPDATE orgs.users SET first_name = 'x'$$);
SELECT pg_temp.try($$INSERT INTO orgs.members (org_id, user_id, role) SELECT org_id, user_id, 'admin' FROM orgs.members$$);
SELECT pg_temp.try($$UPDATE orgs.members SET role = 'admin'$$);
SELECT pg_temp.try($$DELETE FROM orgs.members$$);
SELECT pg_temp.try($$INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'x' FROM orgs.organizations$$);
SELECT pg_temp.try($$UPDATE orgs.apps SET description = 'x'$$);
SELECT pg_temp.try($$DELETE FROM orgs.apps$$);
SELECT pg_temp.try($$INSERT INTO orgs.teams (org_id, team_id, name, default_permission) SELECT id, 'x', 'x', 'full_access' FROM orgs.organizations$$);
SELECT pg_temp.try($$DELETE FROM orgs.team_members$$);
SELECT pg_temp.try($$UPDATE orgs.team_apps SET permission = 'full_access'$$);
SELECT pg_temp.try($$UPDATE orgs.invitations SET state = 'accepted'$$);
SELECT pg_temp.try($$DELETE FROM orgs.notifications$$);
SELECT pg_temp.try($$UPDATE orgs.notifications SET read_at = now()$$);
SELECT pg_temp.try($$INSERT INTO orgs.audit_log (event_code, event) VALUES (100, 'x')$$);
SELECT pg_temp.try($$DELETE FROM orgs.audit_log$$);
SELECT pg_temp.try($$TRUNCATE orgs.audit_log$$);
SELECT pg_temp.try($$DELETE FROM orgs.owner_names$$);
SELECT pg_temp.try($$INSERT INTO orgs.role_org_permissions (role, permission) VALUES ('org_user', 'members.manage')$$);

-- Should a DBA grant a write privilege by mistake, row-level security
-- still refuses: there is no write policy.
RESET ROLE;
GRANT INSERT, UPDATE, DELETE ON orgs.members TO regress_fr_app;
SET ROLE regress_fr_app;
SELECT pg_temp.try($$INSERT INTO orgs.members (org_id, user_id, role) SELECT org_id, user_id, 'admin' FROM orgs.members LIMIT 1$$);
WITH u AS (UPDATE orgs.members SET role = 'admin' RETURNING 1) SELECT count(*) AS rows_updated FROM u;
WITH d AS (DELETE FROM orgs.members RETURNING 1) SELECT count(*) AS rows_deleted FROM d;
RESET ROLE;
REVOKE INSERT, UPDATE, DELETE ON orgs.members FROM regress_fr_app;
SELECT count(*) AS fr_org_members_left FROM orgs.members m JOIN orgs.organizations o ON o.id = m.org_id
 WHERE o.org_id = 'fr_org';
SET ROLE regress_fr_app;

--------------------------------------------------------------------------
-- A database role linked to a user acts as that user without act_as
--------------------------------------------------------------------------
SELECT orgs.act_as(NULL, false);
RESET ROLE;
SELECT orgs.link_db_role('fr_ann', 'regress_fr_admin_login');
SET ROLE regress_fr_admin_login;
SELECT orgs.current_user_handle();
SELECT org_id, role FROM orgs.my_orgs ORDER BY org_id;
SELECT orgs.rename_team('fr_org', 'workers', 'Labeling workers');
SELECT team_id, name FROM orgs.org_teams ORDER BY team_id;
-- ... and an unlinked role has no acting user
RESET ROLE;
SELECT orgs.link_db_role('fr_ann', NULL);
SET ROLE regress_fr_admin_login;
SELECT orgs.current_user_handle();
SELECT pg_temp.try($$SELECT orgs.rename_team('fr_org', 'workers', 'Workers')$$);
SELECT count(*) AS my_orgs FROM orgs.my_orgs;

--------------------------------------------------------------------------
-- The policies are per-row checks whose planner support turns them into index
-- conditions (key = ANY (the set of keys), computed once per scan)
--------------------------------------------------------------------------
RESET ROLE;
-- The shape of a plan, the same on every PostgreSQL version: one line per
-- node (type, relation, index), marking InitPlans and what the index,
-- recheck and filter conditions compare (an InitPlan's output is
-- "<initplan>").
CREATE FUNCTION pg_temp.plan_shape(q text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    p jsonb;
BEGIN
    EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || q INTO p;
    RETURN QUERY
    WITH RECURSIVE t(depth, n, ord) AS (
        SELECT 0, p -> 0 -> 'Plan', ''::text
        UNION ALL
        SELECT t.depth + 1, c.value, t.ord || lpad(c.ordinality::text, 3, '0')
          FROM t, jsonb_array_elements(t.n -> 'Plans') WITH ORDINALITY AS c
    )
    SELECT repeat('  ', depth)
           || CASE WHEN n ->> 'Parent Relationship' = 'InitPlan' THEN 'InitPlan: ' ELSE '' END
           || (n ->> 'Node Type')
           || coalesce(' on ' || (n ->> 'Relation Name'), '')
           || coalesce(' using ' || (n ->> 'Index Name'), '')
           || coalesce(' [index: ' || regexp_replace(n ->> 'Index Cond',
                                                     '\$[0-9]+|\(InitPlan [0-9]+\)\.col[0-9]+', '<initplan>', 'g') || ']', '')
           || coalesce(' [recheck: ' || regexp_replace(n ->> 'Recheck Cond',
                                                       '\$[0-9]+|\(InitPlan [0-9]+\)\.col[0-9]+', '<initplan>', 'g') || ']', '')
           || coalesce(' [filter: ' || regexp_replace(n ->> 'Filter',
                                                      '\$[0-9]+|\(InitPlan [0-9]+\)\.col[0-9]+', '<initplan>', 'g') || ']', '')
      FROM t ORDER BY ord;
END;
$$;

SET ROLE regress_fr_app;
SELECT orgs.act_as('fr_ann', false);
SET enable_seqscan = off;
SET enable_indexscan = off;
SELECT * FROM pg_temp.plan_shape('SELECT * FROM orgs.organizations');
SELECT * FROM pg_temp.plan_shape('SELECT * FROM orgs.apps');
RESET enable_seqscan;
RESET enable_indexscan;

--------------------------------------------------------------------------
-- clean up
--------------------------------------------------------------------------
SELECT orgs.delete_org('fr_org', drop_apps => true);
SELECT orgs.act_as('fr_zed', false);
SELECT orgs.delete_org('fr_other', drop_apps => true);
SELECT orgs.act_as(NULL, false);
RESET ROLE;
DELETE FROM orgs.users WHERE handle LIKE 'fr\_%';
DELETE FROM orgs.notifications WHERE email LIKE 'fr\_%';
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'fr\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_fr_app;
DROP ROLE regress_fr_app;
DROP ROLE regress_fr_admin_login;
