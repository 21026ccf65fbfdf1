--
-- engine_matrix: every cell of PERMISSIONS.md, table-driven.
--
-- The expected matrix is written out again below from the text of
-- PERMISSIONS.md, as literal lists; it is NOT read from the orgs.* matrix
-- tables (which the engine loads), so that a wrong row there, or a wrong
-- rule in the engine, shows up as a mismatch.  Only a summary (cells
-- checked per block) and the mismatches (none expected) are printed.
--
-- The tables of the test live in schema em_test, not in temporary tables,
-- so that the checks can run in parallel workers when the test is re-run
-- with force_parallel_mode = regress (test/parallel_tests).
--
\set SHOW_CONTEXT never
CREATE SCHEMA em_test;

--------------------------------------------------------------------------
-- The spec, section 1: the vocabulary
--------------------------------------------------------------------------
CREATE TABLE em_test.spec_org_perm (perm text PRIMARY KEY);
INSERT INTO em_test.spec_org_perm VALUES
    ('org.view'), ('org.edit'), ('org.delete'), ('members.view'), ('members.manage'),
    ('teams.view'), ('teams.manage'), ('teams.manage_members'), ('teams.manage_apps'),
    ('apps.create'), ('clusters.view'), ('clusters.manage'), ('billing.view'),
    ('control_center.overview'), ('control_center.usage'), ('control_center.costs'),
    ('audit.view');
CREATE TABLE em_test.spec_app_perm (perm text PRIMARY KEY);
INSERT INTO em_test.spec_app_perm VALUES
    ('app.view'), ('app.edit_id'), ('app.edit_description'), ('app.edit_notes'),
    ('app.delete'), ('app.visibility'), ('app.transfer'),
    ('collaborators.view'), ('collaborators.edit'), ('resources.visibility'),
    ('base_workflow.view'), ('base_workflow.edit'),
    ('workflows.view'), ('workflows.create'), ('workflows.edit'), ('workflows.delete'),
    ('models.view'), ('models.create'), ('models.edit'), ('models.delete'),
    ('models.train'), ('models.metrics'),
    ('inputs.view'), ('inputs.create'), ('inputs.edit'), ('inputs.delete'),
    ('datasets.view'), ('datasets.create'), ('datasets.edit'), ('datasets.delete'),
    ('concepts.view'), ('concepts.create'), ('concepts.edit'), ('concepts.delete'),
    ('annotations.view'), ('annotations.create'), ('annotations.edit'), ('annotations.delete'),
    ('annotations.review'), ('annotations.feedback'),
    ('tasks.view'), ('tasks.create'), ('tasks.edit'), ('tasks.delete'),
    ('tasks.assign'), ('tasks.analytics'), ('tasks.work'),
    ('team_members.view'),
    ('modules.use'), ('modules.create'), ('modules.delete'), ('modules.install'),
    ('deployments.view'), ('deployments.create'), ('deployments.delete'),
    ('clusters.view');
SELECT (SELECT count(*) FROM em_test.spec_org_perm) AS org_level,
       (SELECT count(*) FROM em_test.spec_app_perm) AS app_level;
-- the installed vocabulary is exactly the spec's (differences listed)
(SELECT 'org' AS scope, perm, 'missing from orgs.permissions' AS problem FROM em_test.spec_org_perm
  EXCEPT SELECT 'org', name, 'missing from orgs.permissions' FROM orgs.permissions WHERE scope = 'org')
UNION ALL
(SELECT 'org', name, 'not in PERMISSIONS.md' FROM orgs.permissions WHERE scope = 'org'
  EXCEPT SELECT 'org', perm, 'not in PERMISSIONS.md' FROM em_test.spec_org_perm)
UNION ALL
(SELECT 'app', perm, 'missing from orgs.permissions' FROM em_test.spec_app_perm
  EXCEPT SELECT 'app', name, 'missing from orgs.permissions' FROM orgs.permissions WHERE scope = 'app')
UNION ALL
(SELECT 'app', name, 'not in PERMISSIONS.md' FROM orgs.permissions WHERE scope = 'app'
  EXCEPT SELECT 'app', perm, 'not in PERMISSIONS.md' FROM em_test.spec_app_perm)
ORDER BY 1, 2;

--------------------------------------------------------------------------
-- The spec, sections 2 and 3: roles and levels
--------------------------------------------------------------------------
CREATE TABLE em_test.spec_role (role text PRIMARY KEY);
INSERT INTO em_test.spec_role VALUES ('admin'), ('financial_manager'), ('org_contributor'),
    ('org_user'), ('team_contributor'), ('infrastructure_manager');
CREATE TABLE em_test.spec_level (level text PRIMARY KEY);
INSERT INTO em_test.spec_level VALUES ('full_access'), ('model_trainer'), ('labeler_lead'),
    ('labeler_worker');
-- the installed roles and levels are exactly these
SELECT (SELECT array_agg(r.name::text ORDER BY r.name) FROM orgs.roles r WHERE r.role_scope = 0)
     = (SELECT array_agg(role ORDER BY role) FROM em_test.spec_role) AS roles_match,
       (SELECT array_agg(l.name::text ORDER BY l.name) FROM orgs.team_levels l)
     = (SELECT array_agg(level ORDER BY level) FROM em_test.spec_level) AS levels_match;

-- X, the admin set
CREATE TABLE em_test.spec_x (perm text PRIMARY KEY);
INSERT INTO em_test.spec_x VALUES ('app.edit_id'), ('app.delete'), ('app.visibility'),
    ('app.transfer'), ('collaborators.edit'), ('base_workflow.edit');

-- org-level permissions by role
CREATE TABLE em_test.spec_role_org (role text, perm text, PRIMARY KEY (role, perm));
INSERT INTO em_test.spec_role_org SELECT 'admin', perm FROM em_test.spec_org_perm;
INSERT INTO em_test.spec_role_org SELECT 'financial_manager', unnest(ARRAY[
    'org.view', 'billing.view', 'control_center.overview', 'control_center.usage',
    'control_center.costs']);
INSERT INTO em_test.spec_role_org SELECT 'org_contributor', unnest(ARRAY[
    'org.view', 'members.view', 'teams.view', 'teams.manage', 'teams.manage_members',
    'teams.manage_apps', 'apps.create', 'clusters.view']);
INSERT INTO em_test.spec_role_org SELECT 'org_user', unnest(ARRAY[
    'org.view', 'members.view', 'teams.view', 'clusters.view']);
INSERT INTO em_test.spec_role_org SELECT 'team_contributor', unnest(ARRAY[
    'org.view', 'members.view', 'teams.view']);
INSERT INTO em_test.spec_role_org SELECT 'infrastructure_manager', unnest(ARRAY[
    'org.view', 'clusters.view', 'clusters.manage']);

-- B(role)
CREATE TABLE em_test.spec_baseline (role text, perm text, PRIMARY KEY (role, perm));
INSERT INTO em_test.spec_baseline SELECT r, perm FROM em_test.spec_app_perm,
    unnest(ARRAY['admin', 'org_contributor']) AS r
 WHERE r = 'admin' OR perm <> 'app.transfer';   -- app.transfer: admins only
INSERT INTO em_test.spec_baseline SELECT 'org_user', unnest(ARRAY[
    'app.view', 'collaborators.view', 'base_workflow.view', 'workflows.view', 'models.view',
    'models.metrics', 'inputs.view', 'datasets.view', 'concepts.view', 'annotations.view',
    'tasks.view', 'modules.use', 'clusters.view']);
INSERT INTO em_test.spec_baseline SELECT 'infrastructure_manager', unnest(ARRAY[
    'deployments.view', 'deployments.create', 'deployments.delete', 'clusters.view']);

-- C(role)
CREATE TABLE em_test.spec_ceiling (role text, perm text, PRIMARY KEY (role, perm));
INSERT INTO em_test.spec_ceiling SELECT r, perm FROM em_test.spec_app_perm,
    unnest(ARRAY['admin', 'org_contributor']) AS r
 WHERE r = 'admin' OR perm <> 'app.transfer';   -- app.transfer: admins only
INSERT INTO em_test.spec_ceiling SELECT r, perm FROM em_test.spec_app_perm,
    unnest(ARRAY['org_user', 'team_contributor']) AS r
 WHERE perm NOT IN (SELECT perm FROM em_test.spec_x);
INSERT INTO em_test.spec_ceiling SELECT 'infrastructure_manager', unnest(ARRAY[
    'deployments.view', 'deployments.create', 'deployments.delete', 'clusters.view']);

-- L(level)
CREATE TABLE em_test.spec_level_perm (level text, perm text, PRIMARY KEY (level, perm));
INSERT INTO em_test.spec_level_perm SELECT 'full_access', perm FROM em_test.spec_app_perm;
INSERT INTO em_test.spec_level_perm SELECT 'model_trainer', unnest(ARRAY[
    'app.view', 'models.view', 'models.create', 'models.edit', 'models.delete', 'models.train',
    'models.metrics', 'inputs.view', 'concepts.view', 'datasets.view', 'deployments.view',
    'deployments.create', 'deployments.delete', 'clusters.view']);
INSERT INTO em_test.spec_level_perm SELECT 'labeler_worker', unnest(ARRAY['app.view', 'tasks.work']);
INSERT INTO em_test.spec_level_perm SELECT 'labeler_lead', unnest(ARRAY[
    'app.view', 'tasks.work',
    'tasks.view', 'tasks.create', 'tasks.edit', 'tasks.assign', 'tasks.analytics',
    'team_members.view', 'annotations.view', 'annotations.review', 'annotations.feedback',
    'concepts.view', 'concepts.create', 'concepts.edit', 'concepts.delete',
    'inputs.view', 'datasets.view']);
SELECT role, count(*) AS baseline FROM em_test.spec_baseline GROUP BY role ORDER BY role;
SELECT level, count(*) AS perms FROM em_test.spec_level_perm GROUP BY level ORDER BY level;

--------------------------------------------------------------------------
-- The population
--------------------------------------------------------------------------
-- block      user                          role         teams holding em_org/teamapp
-- role       em_<role>                     each role    none
-- ceiling    em_<role>__<level>            each role    one, at each level
-- two_teams  em_<role>__<level1>__<level2> each role    two, at two different levels
-- personal   em_owner                      none         (owns em_owner/personal)
-- non_member em_out                        none         none
CREATE TABLE em_test.person (
    handle text PRIMARY KEY, block text NOT NULL, role text, levels text[] NOT NULL);
INSERT INTO em_test.person SELECT 'em_' || role, 'role', role, '{}' FROM em_test.spec_role;
INSERT INTO em_test.person SELECT 'em_' || role || '__' || level, 'ceiling', role, ARRAY[level]
  FROM em_test.spec_role, em_test.spec_level;
INSERT INTO em_test.person SELECT 'em_' || role || '__' || l1.level || '__' || l2.level, 'two_teams',
       role, ARRAY[l1.level, l2.level]
  FROM em_test.spec_role, em_test.spec_level l1, em_test.spec_level l2 WHERE l1.level < l2.level;
INSERT INTO em_test.person VALUES ('em_owner', 'personal', NULL, '{}'), ('em_out', 'non_member', NULL, '{}');
SELECT block, count(*) AS users FROM em_test.person GROUP BY block ORDER BY block;

-- (users are inserted directly: register_user is tested elsewhere, and one
-- statement keeps the parallel re-run of this test fast)
INSERT INTO orgs.users (handle, email) SELECT handle, handle || '@example.com' FROM em_test.person;
INSERT INTO orgs.organizations (org_id, name) VALUES ('em_org', 'Engine matrix');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, p.role::orgs.org_role
  FROM em_test.person p JOIN orgs.users u ON u.handle = p.handle, orgs.organizations o
 WHERE o.org_id = 'em_org' AND p.role IS NOT NULL;
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'notea' FROM orgs.organizations WHERE org_id = 'em_org';
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'teamapp' FROM orgs.organizations WHERE org_id = 'em_org';
INSERT INTO orgs.apps (owner_user_id, app_id) SELECT id, 'personal' FROM orgs.users WHERE handle = 'em_owner';
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, 'em_t_' || l.level, 'Team ' || l.level, l.level::orgs.team_permission
  FROM orgs.organizations o, em_test.spec_level l WHERE o.org_id = 'em_org';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id AND a.app_id = 'teamapp'
 WHERE t.team_id LIKE 'em\_t\_%';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id
  FROM em_test.person p JOIN orgs.users u ON u.handle = p.handle,
       unnest(p.levels) AS l(level)
  JOIN orgs.teams t ON t.team_id = 'em_t_' || l.level;

CREATE TABLE em_test.app (name text PRIMARY KEY, id bigint NOT NULL, org boolean NOT NULL, teams boolean NOT NULL);
INSERT INTO em_test.app
SELECT coalesce(o.org_id, u.handle) || '/' || a.app_id, a.id, a.org_id IS NOT NULL, a.app_id = 'teamapp'
  FROM orgs.apps a LEFT JOIN orgs.organizations o ON o.id = a.org_id
  LEFT JOIN orgs.users u ON u.id = a.owner_user_id
 WHERE o.org_id = 'em_org' OR u.handle = 'em_owner';
SELECT name, org, teams FROM em_test.app ORDER BY name;

--------------------------------------------------------------------------
-- The expected answers, from the rule of section 4
--------------------------------------------------------------------------
-- app-level: personal apps: the owner all, nobody else anything; org apps:
-- nothing for non-members, else E = B(r) + (T(u, a) & C(r))
CREATE TABLE em_test.expect_app AS
SELECT p.handle, u.id AS user_id, p.block, a.name AS app, a.id AS app_id, s.perm,
       CASE
         WHEN NOT a.org THEN p.handle = 'em_owner'
         WHEN p.role IS NULL THEN false
         ELSE EXISTS (SELECT 1 FROM em_test.spec_baseline b WHERE b.role = p.role AND b.perm = s.perm)
           OR (a.teams
               AND EXISTS (SELECT 1 FROM em_test.spec_level_perm l
                            WHERE l.level = ANY (p.levels) AND l.perm = s.perm)
               AND EXISTS (SELECT 1 FROM em_test.spec_ceiling c WHERE c.role = p.role AND c.perm = s.perm))
       END AS expected
  FROM em_test.person p JOIN orgs.users u ON u.handle = p.handle,
       em_test.app a, em_test.spec_app_perm s;
-- org-level: what the role grants, plus clusters.view for a member who
-- holds app-level clusters.view on any app of the org
CREATE TABLE em_test.expect_org AS
SELECT p.handle, u.id AS user_id, p.block, o.id AS org_id, s.perm,
       p.role IS NOT NULL
       AND (EXISTS (SELECT 1 FROM em_test.spec_role_org r WHERE r.role = p.role AND r.perm = s.perm)
            OR (s.perm = 'clusters.view'
                AND EXISTS (SELECT 1 FROM em_test.expect_app e JOIN em_test.app a ON a.name = e.app
                             WHERE e.handle = p.handle AND a.org AND e.perm = 'clusters.view' AND e.expected)))
       AS expected
  FROM em_test.person p JOIN orgs.users u ON u.handle = p.handle,
       orgs.organizations o, em_test.spec_org_perm s
 WHERE o.org_id = 'em_org';
-- an app or org on which a user holds nothing does not exist for that user
-- (the acting-user forms answer for it as for one that does not exist)
ALTER TABLE em_test.expect_app ADD COLUMN visible boolean;
UPDATE em_test.expect_app e SET visible = v.visible
  FROM (SELECT handle, app, bool_or(expected) AS visible FROM em_test.expect_app GROUP BY 1, 2) v
 WHERE v.handle = e.handle AND v.app = e.app;
ALTER TABLE em_test.expect_org ADD COLUMN visible boolean;
UPDATE em_test.expect_org e SET visible = v.visible
  FROM (SELECT handle, bool_or(expected) AS visible FROM em_test.expect_org GROUP BY 1) v
 WHERE v.handle = e.handle;
ALTER TABLE em_test.expect_app ADD PRIMARY KEY (handle, app, perm);
ALTER TABLE em_test.expect_org ADD PRIMARY KEY (handle, perm);
CREATE INDEX ON em_test.expect_app (handle, perm);
ANALYZE em_test.expect_app;
ANALYZE em_test.expect_org;

--------------------------------------------------------------------------
-- The checks, in all four forms of each function
--------------------------------------------------------------------------
-- the forms with an explicit user, in plain queries (these may run in
-- parallel workers)
CREATE VIEW em_test.got_explicit AS
SELECT 'app' AS scope, 'user key, app key' AS form, handle, block, app AS object, perm, expected,
       orgs.has_app_permission(user_id, app_id, perm) AS got
  FROM em_test.expect_app
UNION ALL
SELECT 'app', 'user handle, app name', handle, block, app, perm, expected,
       orgs.has_app_permission(handle, app, perm)
  FROM em_test.expect_app
UNION ALL
SELECT 'org', 'user key, org key', handle, block, 'em_org', perm, expected,
       orgs.has_org_permission(user_id, org_id, perm)
  FROM em_test.expect_org
UNION ALL
SELECT 'org', 'user handle, org ID', handle, block, 'em_org', perm, expected,
       orgs.has_org_permission(handle, 'em_org', perm)
  FROM em_test.expect_org;
-- the forms for the acting user: act as each user in turn.  Expected: the
-- rule's answer on what the user can see, else what a key or name that
-- matches nothing gives (NULL; for names the 42704 error, shown as NULL)
CREATE FUNCTION em_test.by_name(kind text, name text, perm text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF kind = 'app' THEN
        RETURN orgs.has_app_permission(name, perm);
    END IF;
    RETURN orgs.has_org_permission(name, perm);
EXCEPTION WHEN undefined_object THEN
    RETURN NULL;
END;
$$;
CREATE FUNCTION em_test.got_acting()
RETURNS TABLE(scope text, form text, handle text, block text, object text, perm text,
              expected boolean, got boolean)
LANGUAGE plpgsql AS $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM em_test.person ORDER BY 1 LOOP
        PERFORM orgs.act_as(p.handle, false);
        RETURN QUERY
            SELECT 'app', 'acting, app key', e.handle, e.block, e.app, e.perm,
                   CASE WHEN e.visible THEN e.expected END,
                   orgs.has_app_permission(e.app_id, e.perm)
              FROM em_test.expect_app e WHERE e.handle = p.handle
            UNION ALL
            SELECT 'app', 'acting, app name', e.handle, e.block, e.app, e.perm,
                   CASE WHEN e.visible THEN e.expected END,
                   em_test.by_name('app', e.app, e.perm)
              FROM em_test.expect_app e WHERE e.handle = p.handle
            UNION ALL
            SELECT 'org', 'acting, org key', e.handle, e.block, 'em_org', e.perm,
                   CASE WHEN e.visible THEN e.expected END,
                   orgs.has_org_permission(e.org_id, e.perm)
              FROM em_test.expect_org e WHERE e.handle = p.handle
            UNION ALL
            SELECT 'org', 'acting, org ID', e.handle, e.block, 'em_org', e.perm,
                   CASE WHEN e.visible THEN e.expected END,
                   em_test.by_name('org', 'em_org', e.perm)
              FROM em_test.expect_org e WHERE e.handle = p.handle;
    END LOOP;
    PERFORM orgs.act_as(NULL, false);
END;
$$;
CREATE TABLE em_test.got_acting AS SELECT * FROM em_test.got_acting();

-- summary: cells checked per block and scope, over the four forms
SELECT block, scope, count(*) AS cells, count(DISTINCT form) AS forms,
       count(*) FILTER (WHERE expected) AS granted,
       count(*) FILTER (WHERE expected IS NULL) AS hidden,
       count(*) FILTER (WHERE got IS DISTINCT FROM expected) AS mismatches
  FROM (SELECT * FROM em_test.got_explicit UNION ALL SELECT * FROM em_test.got_acting) g
 GROUP BY block, scope ORDER BY block, scope;
-- mismatches (none expected)
SELECT form, handle, object, perm, expected, got
  FROM (SELECT * FROM em_test.got_explicit UNION ALL SELECT * FROM em_test.got_acting) g
 WHERE got IS DISTINCT FROM expected
 ORDER BY handle, object, perm, form;

-- The ceiling at work: what a full_access team withholds from each role
SELECT handle, count(*) FILTER (WHERE got) AS held,
       CASE WHEN count(*) FILTER (WHERE NOT got) <= 6
            THEN string_agg(perm, ', ' ORDER BY perm) FILTER (WHERE NOT got)
            ELSE (count(*) FILTER (WHERE NOT got))::text || ' permissions' END AS withheld
  FROM em_test.got_explicit
 WHERE form = 'user key, app key' AND object = 'em_org/teamapp' AND handle LIKE '%\_\_full\_access'
 GROUP BY handle ORDER BY handle;
-- The clusters.view decision: org-level clusters.view for a team_contributor
-- in a model_trainer team, not in a labeler team
SELECT handle, orgs.has_org_permission(handle, 'em_org', 'clusters.view') AS org_clusters_view,
       orgs.has_app_permission(handle, 'em_org/teamapp', 'clusters.view') AS app_clusters_view
  FROM em_test.person
 WHERE handle IN ('em_team_contributor__model_trainer', 'em_team_contributor__labeler_lead',
                  'em_team_contributor__labeler_worker', 'em_team_contributor',
                  'em_financial_manager__model_trainer')
 ORDER BY handle;

--------------------------------------------------------------------------
-- Forms, NULLs and errors
--------------------------------------------------------------------------
SELECT id AS tc_id FROM orgs.users WHERE handle = 'em_team_contributor__labeler_lead' \gset
SELECT id AS app_id FROM em_test.app WHERE name = 'em_org/teamapp' \gset
SELECT id AS org_id FROM orgs.organizations WHERE org_id = 'em_org' \gset
SELECT max(id) + 1000 AS no_such_user FROM orgs.users \gset
SELECT max(id) + 1000 AS no_such_app FROM orgs.apps \gset
SELECT max(id) + 1000 AS no_such_org FROM orgs.organizations \gset
-- NULL arguments give NULL
SELECT orgs.has_app_permission(NULL::bigint, 'app.view') AS a1,
       orgs.has_app_permission(NULL::text, 'app.view') AS a2,
       orgs.has_app_permission(:app_id, NULL) AS a3,
       orgs.has_app_permission(NULL::bigint, :app_id, 'app.view') AS a4,
       orgs.has_app_permission(:tc_id, NULL::bigint, 'app.view') AS a5,
       orgs.has_app_permission(:tc_id, :app_id, NULL) AS a6,
       orgs.has_app_permission(NULL::text, 'em_org/teamapp', 'app.view') AS a7,
       orgs.has_app_permission('em_owner', NULL::text, 'app.view') AS a8,
       orgs.has_app_permission('em_owner', 'em_org/teamapp', NULL) AS a9;
SELECT orgs.has_org_permission(NULL::bigint, 'org.view') AS o1,
       orgs.has_org_permission(NULL::text, 'org.view') AS o2,
       orgs.has_org_permission(:org_id, NULL) AS o3,
       orgs.has_org_permission(NULL::bigint, :org_id, 'org.view') AS o4,
       orgs.has_org_permission(:tc_id, NULL::bigint, 'org.view') AS o5,
       orgs.has_org_permission(:tc_id, :org_id, NULL) AS o6,
       orgs.has_org_permission(NULL::text, 'em_org', 'org.view') AS o7,
       orgs.has_org_permission('em_owner', NULL::text, 'org.view') AS o8,
       orgs.has_org_permission('em_owner', 'em_org', NULL) AS o9;
-- a key that matches nothing gives NULL
SELECT orgs.has_app_permission(:tc_id, :no_such_app, 'app.view') AS unknown_app,
       orgs.has_app_permission(:no_such_user, :app_id, 'app.view') AS unknown_user,
       orgs.has_org_permission(:tc_id, :no_such_org, 'org.view') AS unknown_org,
       orgs.has_org_permission(:no_such_user, :org_id, 'org.view') AS unknown_user_org;
BEGIN;
SELECT orgs.act_as('em_team_contributor__labeler_lead');
SELECT orgs.has_app_permission(:no_such_app, 'app.view') AS unknown_app,
       orgs.has_org_permission(:no_such_org, 'org.view') AS unknown_org;
-- an unknown permission is an error even when the key matches nothing
SELECT orgs.has_app_permission(:no_such_app, 'app.fly'); \echo :SQLSTATE
COMMIT;
-- a name that matches nothing is an error: 42704 (for an acting user; the
-- acting-user forms answer false when nobody acts, before any look-up)
BEGIN;
SELECT orgs.act_as('em_team_contributor__labeler_lead');
SELECT orgs.has_app_permission('em_org/nosuchapp', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_team_contributor__labeler_lead');
SELECT orgs.has_app_permission('em_nosuchorg/teamapp', 'app.view'); \echo :SQLSTATE
ROLLBACK;
SELECT orgs.has_app_permission('em_owner', 'em_org/nosuchapp', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_nosuchuser', 'em_org/teamapp', 'app.view'); \echo :SQLSTATE
BEGIN;
SELECT orgs.act_as('em_team_contributor__labeler_lead');
SELECT orgs.has_org_permission('em_nosuchorg', 'org.view'); \echo :SQLSTATE
ROLLBACK;
SELECT orgs.has_org_permission('em_owner', 'em_nosuchorg', 'org.view'); \echo :SQLSTATE
SELECT orgs.has_org_permission('em_nosuchuser', 'em_org', 'org.view'); \echo :SQLSTATE
-- a user's handle is not an org ID, and an app of a user is not an org's
SELECT orgs.has_org_permission('em_owner', 'em_owner', 'org.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_owner', 'em_org/personal', 'app.view'); \echo :SQLSTATE
-- names are matched without regard to case
SELECT orgs.has_app_permission('EM_Owner', 'Em_Owner/PERSONAL', 'app.view') AS personal,
       orgs.has_app_permission('EM_ORG_USER', 'em_ORG/TeamApp', 'app.view') AS org_app,
       orgs.has_org_permission('EM_ORG_USER', 'EM_org', 'org.view') AS org;
-- a malformed app name: 22023
SELECT orgs.has_app_permission('em_org', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('/teamapp', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_org/', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_org/teamapp/x', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_owner', 'em_org teamapp', 'app.view'); \echo :SQLSTATE
-- unknown permissions: 22023
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.fly'); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.view, app.fly'); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, ''); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.view,'); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.view,,tasks.work'); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.*'); \echo :SQLSTATE
SELECT orgs.has_app_permission(:tc_id, :app_id, 'app.view tasks.work'); \echo :SQLSTATE
SELECT orgs.has_org_permission(:tc_id, :org_id, 'org.fly'); \echo :SQLSTATE
SELECT orgs.has_org_permission('em_org', 'org.fly'); \echo :SQLSTATE
-- ... also one of the other scope, with a hint
SELECT orgs.has_app_permission(:tc_id, :app_id, 'org.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_owner', 'em_org/teamapp', 'app.view,members.view'); \echo :SQLSTATE
SELECT orgs.has_org_permission(:tc_id, :org_id, 'app.view'); \echo :SQLSTATE
SELECT orgs.has_org_permission('em_org', 'tasks.work'); \echo :SQLSTATE
-- clusters.view is a name of both scopes
SELECT orgs.has_app_permission(:tc_id, :app_id, 'clusters.view') AS app_scope,
       orgs.has_org_permission(:tc_id, :org_id, 'clusters.view') AS org_scope;
-- comma lists mean any; whitespace and case do not matter
SELECT l AS list, orgs.has_app_permission(:tc_id, :app_id, l) AS labeler_lead
  FROM unnest(ARRAY['tasks.assign', 'models.train', 'models.train,tasks.assign',
                    'tasks.assign,models.train', 'models.train, models.create',
                    '  TASKS.Assign  ', E'models.train,\t Tasks.Assign\n', 'Models.Train , APP.delete',
                    'app.view,app.view']) AS l;
SELECT l AS list, orgs.has_org_permission(:tc_id, :org_id, l) AS team_contributor
  FROM unnest(ARRAY['org.edit', 'org.edit,org.view', ' ORG.VIEW ', 'billing.view, audit.view']) AS l;
-- no acting user: every acting-user form is false, never NULL, even for a
-- key or a name that matches nothing (nothing is looked up)
SELECT orgs.current_user_id() IS NULL AS nobody,
       orgs.has_app_permission(:app_id, 'app.view') AS app_key,
       orgs.has_app_permission('em_org/teamapp', 'app.view') AS app_name,
       orgs.has_app_permission(:no_such_app, 'app.view') AS no_such_app,
       orgs.has_org_permission(:org_id, 'org.view') AS org_key,
       orgs.has_org_permission('em_org', 'org.view') AS org_name,
       orgs.has_org_permission(:no_such_org, 'org.view') AS no_such_org;
SELECT orgs.has_app_permission('em_org/nosuchapp', 'app.view') AS no_such_app_name,
       orgs.has_org_permission('em_nosuchorg', 'org.view') AS no_such_org_name;
-- ... but permissions and the form of an app name are still checked
SELECT orgs.has_app_permission(:app_id, 'app.fly'); \echo :SQLSTATE
SELECT orgs.has_app_permission('em_org', 'app.view'); \echo :SQLSTATE

--------------------------------------------------------------------------
-- app_permissions: the effective set, sorted
--------------------------------------------------------------------------
SELECT p.handle, a.name AS app,
       orgs.app_permissions(p.handle, a.name) AS perms
  FROM em_test.person p, em_test.app a
 WHERE (p.handle, a.name) IN (('em_team_contributor__labeler_worker', 'em_org/teamapp'),
                               ('em_team_contributor__labeler_lead', 'em_org/teamapp'),
                               ('em_org_user', 'em_org/notea'),
                               ('em_infrastructure_manager__full_access', 'em_org/teamapp'),
                               ('em_financial_manager__full_access', 'em_org/teamapp'),
                               ('em_out', 'em_org/teamapp'),
                               ('em_admin', 'em_owner/personal'))
 ORDER BY 1, 2;
-- for every user and app: sorted, and equal to the expected set
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE perms <> (SELECT coalesce(array_agg(x ORDER BY x COLLATE "C"), '{}')
                                          FROM unnest(perms) x)) AS unsorted,
       count(*) FILTER (WHERE perms IS DISTINCT FROM expected) AS mismatches
  FROM (SELECT e.handle, e.app, orgs.app_permissions(e.handle, e.app) AS perms,
               coalesce(array_agg(e.perm ORDER BY e.perm COLLATE "C") FILTER (WHERE e.expected), '{}') AS expected
          FROM em_test.expect_app e GROUP BY e.handle, e.app) s;
SELECT orgs.app_permissions('em_nosuchuser', 'em_org/teamapp'); \echo :SQLSTATE
SELECT orgs.app_permissions('em_owner', 'em_org/nosuchapp'); \echo :SQLSTATE
SELECT orgs.app_permissions('em_owner', 'em_org'); \echo :SQLSTATE
SELECT orgs.app_permissions(NULL, 'em_org/teamapp') IS NULL AS null_in_null_out;

--------------------------------------------------------------------------
-- apps_with_permission / orgs_with_permission: for the acting user
--------------------------------------------------------------------------
CREATE FUNCTION em_test.app_names(ids bigint[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(n ORDER BY n), '{}')
      FROM (SELECT coalesce(o.org_id, u.handle) || '/' || a.app_id AS n
              FROM unnest(ids) AS i(id)
              LEFT JOIN orgs.apps a ON a.id = i.id
              LEFT JOIN orgs.organizations o ON o.id = a.org_id
              LEFT JOIN orgs.users u ON u.id = a.owner_user_id) s
$$;
CREATE FUNCTION em_test.org_names(ids bigint[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(o.org_id::text ORDER BY o.org_id), '{}') FROM orgs.organizations o WHERE o.id = ANY (ids)
$$;
-- (plain PL/pgSQL assignments, no query per call: see the INSERT above)
CREATE FUNCTION em_test.apps_for(h text, perm text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v bigint[];
BEGIN
    PERFORM orgs.act_as(h, false);
    v := orgs.apps_with_permission(perm);
    PERFORM orgs.act_as(NULL, false);
    RETURN v;
END;
$$;
CREATE FUNCTION em_test.orgs_for(h text, perm text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v bigint[];
BEGIN
    PERFORM orgs.act_as(h, false);
    v := orgs.orgs_with_permission(perm);
    PERFORM orgs.act_as(NULL, false);
    RETURN v;
END;
$$;
-- every user, every permission: the keys, once each and sorted
CREATE FUNCTION em_test.all_sets() RETURNS TABLE(handle text, scope text, perm text, ids bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_app text[] := ARRAY(SELECT s.perm FROM em_test.spec_app_perm s ORDER BY 1);
    v_org text[] := ARRAY(SELECT s.perm FROM em_test.spec_org_perm s ORDER BY 1);
    v_handles text[] := ARRAY(SELECT p.handle FROM em_test.person p ORDER BY 1);
    h text;
    p text;
BEGIN
    FOREACH h IN ARRAY v_handles LOOP
        PERFORM orgs.act_as(h, false);
        handle := h;
        FOREACH p IN ARRAY v_app LOOP
            scope := 'app'; perm := p; ids := orgs.apps_with_permission(p);
            RETURN NEXT;
        END LOOP;
        FOREACH p IN ARRAY v_org LOOP
            scope := 'org'; perm := p; ids := orgs.orgs_with_permission(p);
            RETURN NEXT;
        END LOOP;
    END LOOP;
    PERFORM orgs.act_as(NULL, false);
END;
$$;
SELECT h AS handle, perm, em_test.app_names(em_test.apps_for(h, perm)) AS apps FROM (VALUES
    ('em_owner', 'app.view'), ('em_out', 'app.view'), ('em_admin', 'app.delete'),
    ('em_org_user', 'app.view'), ('em_org_user', 'models.train'),
    ('em_team_contributor', 'app.view'),
    ('em_team_contributor__labeler_worker', 'tasks.work'),
    ('em_team_contributor__labeler_worker', 'tasks.work, app.delete'),
    ('em_financial_manager__full_access', 'app.view'),
    ('em_infrastructure_manager', 'deployments.create')) AS q(h, perm);
SELECT h AS handle, perm, em_test.org_names(em_test.orgs_for(h, perm)) AS orgs FROM (VALUES
    ('em_financial_manager', 'billing.view'), ('em_financial_manager', 'clusters.view'),
    ('em_team_contributor__model_trainer', 'clusters.view'),
    ('em_team_contributor__labeler_lead', 'clusters.view'),
    ('em_team_contributor__labeler_lead', 'org.edit, teams.view'),
    ('em_out', 'org.view'), ('em_owner', 'org.view')) AS q(h, perm);
-- for every user and permission: exactly the apps / orgs expected, sorted
CREATE TABLE em_test.got_sets AS SELECT * FROM em_test.all_sets();
SELECT g.scope, count(*) AS checked,
       count(*) FILTER (WHERE g.ids <> (SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}')
                                          FROM unnest(g.ids) x)) AS unsorted_or_repeated,
       count(*) FILTER (WHERE CASE g.scope WHEN 'app' THEN em_test.app_names(g.ids) ELSE em_test.org_names(g.ids) END
                              IS DISTINCT FROM
                              CASE g.scope
                                WHEN 'app' THEN (SELECT coalesce(array_agg(e.app ORDER BY e.app), '{}') FROM em_test.expect_app e
                                                  WHERE e.handle = g.handle AND e.perm = g.perm AND e.expected)
                                ELSE (SELECT CASE WHEN e.expected THEN '{em_org}'::text[] ELSE '{}' END
                                        FROM em_test.expect_org e WHERE e.handle = g.handle AND e.perm = g.perm)
                              END) AS mismatches
  FROM em_test.got_sets g GROUP BY g.scope ORDER BY g.scope;
-- no acting user: empty; unknown permission or wrong scope: 22023
SELECT orgs.apps_with_permission('app.view') AS apps, orgs.orgs_with_permission('org.view') AS orgs;
SELECT orgs.apps_with_permission('app.fly'); \echo :SQLSTATE
SELECT orgs.orgs_with_permission('app.view'); \echo :SQLSTATE

--------------------------------------------------------------------------
-- explain_app_permission and who_can, on a small org
--------------------------------------------------------------------------
INSERT INTO orgs.users (handle, email)
SELECT h, h || '@example.com'
  FROM unnest(ARRAY['em_s_admin', 'em_s_user', 'em_s_tc', 'em_s_fin', 'em_s_infra', 'em_s_out']) AS h;
INSERT INTO orgs.organizations (org_id, name) VALUES ('em_small', 'Small');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, r::orgs.org_role
  FROM (VALUES ('em_s_admin', 'admin'), ('em_s_user', 'org_user'), ('em_s_tc', 'team_contributor'),
               ('em_s_fin', 'financial_manager'), ('em_s_infra', 'infrastructure_manager')) AS v(h, r)
  JOIN orgs.users u ON u.handle = v.h, orgs.organizations o
 WHERE o.org_id = 'em_small';
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'app' FROM orgs.organizations WHERE org_id = 'em_small';
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'lonely' FROM orgs.organizations WHERE org_id = 'em_small';
INSERT INTO orgs.apps (owner_user_id, app_id) SELECT id, 'mine' FROM orgs.users WHERE handle = 'em_s_user';
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, t, t, l::orgs.team_permission FROM orgs.organizations o,
       (VALUES ('Labelers', 'labeler_lead'), ('trainers', 'model_trainer'), ('all', 'full_access')) AS v(t, l)
 WHERE o.org_id = 'em_small';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id AND a.app_id = 'app'
  JOIN orgs.organizations o ON o.id = t.org_id WHERE o.org_id = 'em_small';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id
  FROM (VALUES ('em_s_tc', 'Labelers'), ('em_s_tc', 'trainers'), ('em_s_tc', 'all'),
               ('em_s_user', 'trainers'), ('em_s_fin', 'all'), ('em_s_admin', 'all')) AS v(h, t)
  JOIN orgs.users u ON u.handle = v.h
  JOIN orgs.teams t ON t.team_id = v.t
  JOIN orgs.organizations o ON o.id = t.org_id AND o.org_id = 'em_small';

-- (as the superuser, with nobody acting: any app can be explained)
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_small/app', 'app.delete');
-- org_user baseline, and a team grant on top of it
SELECT * FROM orgs.explain_app_permission('em_s_user', 'em_small/app', 'app.view');
SELECT * FROM orgs.explain_app_permission('em_s_user', 'em_small/app', 'models.train');
-- team grants, and levels that do not include the permission
SELECT * FROM orgs.explain_app_permission('em_s_tc', 'em_small/app', 'concepts.edit');
-- capped by role: full_access includes app.delete, team_contributor caps it
SELECT * FROM orgs.explain_app_permission('em_s_tc', 'em_small/app', 'app.delete');
SELECT * FROM orgs.explain_app_permission('em_s_fin', 'em_small/app', 'app.view');
-- baseline with no team
SELECT * FROM orgs.explain_app_permission('em_s_infra', 'em_small/app', 'deployments.create');
-- no team holds the app
SELECT * FROM orgs.explain_app_permission('em_s_tc', 'em_small/lonely', 'app.view');
SELECT * FROM orgs.explain_app_permission('em_s_infra', 'em_small/lonely', 'app.view');
-- not a member
SELECT * FROM orgs.explain_app_permission('em_s_out', 'em_small/app', 'app.view');
-- personal app
SELECT * FROM orgs.explain_app_permission('em_s_user', 'em_s_user/mine', 'app.delete');
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_s_user/mine', 'app.view');
-- errors
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_small/app', 'app.fly'); \echo :SQLSTATE
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_small/app', 'org.view'); \echo :SQLSTATE
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_small/app', 'app.view, app.delete'); \echo :SQLSTATE
SELECT * FROM orgs.explain_app_permission('em_nosuchuser', 'em_small/app', 'app.view'); \echo :SQLSTATE
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_small/nosuchapp', 'app.view'); \echo :SQLSTATE
-- the explanation agrees with the engine for every cell of the small org
-- (a thousand calls of a PL/pgSQL function: not in parallel workers, where
-- each of its queries would start new ones when this test is re-run with
-- force_parallel_mode = regress)
BEGIN;
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
                       THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END,
                  'off', true) AS parallel_forced;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS cells,
       count(*) FILTER (WHERE explained IS DISTINCT FROM engine) AS disagreements
  FROM (SELECT u.h, a.name, p.perm,
               orgs.has_app_permission(u.h, a.name, p.perm) AS engine,
               (SELECT bool_or(e.granted) FROM orgs.explain_app_permission(u.h, a.name, p.perm) e) AS explained
          FROM unnest(ARRAY['em_s_admin', 'em_s_user', 'em_s_tc', 'em_s_fin', 'em_s_infra', 'em_s_out']) AS u(h),
               unnest(ARRAY['em_small/app', 'em_small/lonely', 'em_s_user/mine']) AS a(name),
               em_test.spec_app_perm p) s;
COMMIT;

-- who_can: every holder and through what
SELECT * FROM orgs.who_can('em_small/app', 'app.delete');
SELECT * FROM orgs.who_can('em_small/app', 'models.train');
SELECT * FROM orgs.who_can('em_small/app', 'deployments.view');
SELECT * FROM orgs.who_can('em_small/lonely', 'tasks.work');
SELECT * FROM orgs.who_can('em_s_user/mine', 'app.view');
SELECT * FROM orgs.who_can('em_small/app', 'app.fly'); \echo :SQLSTATE
SELECT * FROM orgs.who_can('em_small/nosuchapp', 'app.view'); \echo :SQLSTATE

-- as an acting user: an app the user cannot see is reported exactly as one
-- that does not exist
BEGIN;
SELECT orgs.act_as('em_s_out');
SELECT * FROM orgs.explain_app_permission('em_s_out', 'em_small/app', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_out');
SELECT * FROM orgs.explain_app_permission('em_s_out', 'em_small/nosuchapp', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_out');
SELECT * FROM orgs.who_can('em_small/app', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_fin');          -- a member, but no app.view on "lonely"
SELECT * FROM orgs.who_can('em_small/lonely', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_admin');        -- someone else's personal app
SELECT * FROM orgs.who_can('em_s_user/mine', 'app.view'); \echo :SQLSTATE
ROLLBACK;
-- a member who sees the app may explain others with members.view; on a
-- personal app only the owner may review access, and only for himself
BEGIN;
SELECT orgs.act_as('em_s_user');
SELECT * FROM orgs.explain_app_permission('em_s_user', 'em_s_user/mine', 'app.delete');
SELECT * FROM orgs.explain_app_permission('em_s_admin', 'em_s_user/mine', 'app.view'); \echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_tc');
SELECT * FROM orgs.explain_app_permission('em_s_user', 'em_small/app', 'models.train');
SELECT * FROM orgs.who_can('em_small/app', 'tasks.assign');
ROLLBACK;
BEGIN;
SELECT orgs.act_as('em_s_user');         -- the owner of a personal app
SELECT * FROM orgs.who_can('em_s_user/mine', 'app.delete');
ROLLBACK;

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
DELETE FROM orgs.apps WHERE id IN (SELECT id FROM em_test.app)
    OR org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'em_small')
    OR owner_user_id = (SELECT id FROM orgs.users WHERE handle = 'em_s_user');
DELETE FROM orgs.organizations WHERE org_id IN ('em_org', 'em_small');
DELETE FROM orgs.users WHERE handle IN (SELECT handle FROM em_test.person) OR handle LIKE 'em\_s\_%';
SET client_min_messages = warning;
DROP SCHEMA em_test CASCADE;
RESET client_min_messages;
