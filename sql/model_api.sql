--
-- model_api: the permission model as data.  The administration API for
-- the model of every organization (define/drop permission, role, level,
-- implication; orgs.model_json and orgs.load_model), its validation and
-- errors, what the database enforces whoever writes (admin holds every
-- permission, is_default and orgs.model_removed, no TRUNCATE), that each
-- change reaches the engine at once, the audit log, and the roles an
-- organization defines for itself (invariant 5, visibility, limits).
--
-- The model is restored to the default one at the end (other tests share
-- the database).
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

-- handle joins org with role, invited by admin
CREATE FUNCTION pg_temp.join(org text, admin text, handle text, role text) RETURNS void
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

CREATE TABLE pg_temp.default_model AS SELECT orgs.model_json() AS doc;
SELECT coalesce(max(id), 0) AS audit_start FROM orgs.audit_log \gset

--------------------------------------------------------------------------
-- The installed default model
--------------------------------------------------------------------------
SELECT (SELECT count(*) FROM orgs.permissions WHERE scope = 'org') AS org_permissions,
       (SELECT count(*) FROM orgs.permissions WHERE scope = 'app') AS app_permissions,
       (SELECT string_agg(name, ', ' ORDER BY name) FROM orgs.roles) AS roles,
       (SELECT string_agg(name, ', ' ORDER BY name) FROM orgs.team_levels) AS levels;
-- every row is as installed; nothing was removed
SELECT (SELECT count(*) FROM orgs.permissions WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.roles WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.team_levels WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.role_org_permissions WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.role_app_baseline WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.role_app_ceiling WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.team_level_permissions WHERE NOT is_default)
     + (SELECT count(*) FROM orgs.org_permissions_from_app WHERE NOT is_default) AS changed_rows,
       (SELECT count(*) FROM orgs.model_removed) AS removed_rows;
-- the document lists the same
SELECT jsonb_object_keys(doc) AS part FROM pg_temp.default_model ORDER BY 1;
SELECT doc -> 'roles' -> 'org_user' -> 'org' AS org_user_org,
       jsonb_array_length(doc -> 'roles' -> 'org_user' -> 'baseline') AS baseline,
       jsonb_array_length(doc -> 'roles' -> 'org_user' -> 'ceiling') AS ceiling
  FROM pg_temp.default_model;
SELECT doc -> 'levels' -> 'labeler_worker' AS labeler_worker, doc -> 'implications' AS implications
  FROM pg_temp.default_model;
-- the permissions pg_orgs's own functions check
SELECT scope, string_agg(name, ', ' ORDER BY name) FROM orgs.required_permissions() GROUP BY 1 ORDER BY 1;

--------------------------------------------------------------------------
-- A small world to check against
--------------------------------------------------------------------------
SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['ma_ann', 'ma_bob', 'ma_cat', 'ma_dan', 'ma_eve', 'ma_zed']) h;
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.create_org('ma_org', 'Model Inc') IS NOT NULL AS created;
SELECT orgs.create_app('ma_org', 'ma_app') IS NOT NULL AS app;
SELECT orgs.act_as('ma_zed', false);
SELECT orgs.create_org('ma_other', 'Other tenant') IS NOT NULL AS created;
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.join('ma_org', 'ma_ann', 'ma_bob', 'org_user');
SELECT pg_temp.join('ma_org', 'ma_ann', 'ma_cat', 'team_contributor');
SELECT pg_temp.join('ma_org', 'ma_ann', 'ma_dan', 'org_contributor');
SELECT pg_temp.join('ma_other', 'ma_zed', 'ma_eve', 'admin');
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.create_team('ma_org', 'ma_team', 'Team', 'labeler_worker') IS NOT NULL AS team;
SELECT orgs.add_team_member('ma_org', 'ma_team', 'ma_cat');
SELECT orgs.add_team_app('ma_org', 'ma_team', 'ma_org/ma_app');
SELECT orgs.act_as(NULL, false);

CREATE FUNCTION pg_temp.perms(who text) RETURNS text[]
LANGUAGE sql AS $$ SELECT orgs.app_permissions(who, 'ma_org/ma_app') $$;

--------------------------------------------------------------------------
-- Permissions
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'Reports.Export', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'reports', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'reports.export.all', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'reports.' || repeat('x', 60), 'x')$$);
SELECT pg_temp.try($$SELECT orgs.define_permission(NULL, 'reports.export', 'x')$$);
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'reports.export', repeat('x', 1001))$$);
SELECT pg_temp.try($$SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'reports.export')$$);
-- a misspelled name: the closest names in a HINT
SELECT pg_temp.try($$SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'models.veiw')$$);
SELECT pg_temp.try($$SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'app.view, tasks.wrok')$$);
SELECT pg_temp.try($$SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'models.delet')$$);
SELECT pg_temp.try($$SELECT orgs.has_org_permission('ma_ann', 'ma_org', 'members.mange')$$);
SELECT pg_temp.try($$SELECT orgs.has_org_permission('ma_ann', 'ma_org', 'nothing.like.it')$$);
SELECT orgs.define_permission('app', 'reports.export', 'Export reports.');
SELECT orgs.define_permission('org', 'reports.schedule', 'Schedule reports.');
-- the role admin holds a new permission at once; nobody else does
SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'reports.export') AS admin_has,
       orgs.has_app_permission('ma_dan', 'ma_org/ma_app', 'reports.export') AS contributor_has,
       orgs.has_org_permission('ma_ann', 'ma_org', 'reports.schedule') AS admin_has_org;
-- defining it again changes nothing; a new description is a change
SELECT orgs.define_permission('app', 'reports.export', 'Export reports.');
SELECT orgs.define_permission('app', 'reports.export', 'Export reports as CSV.');
SELECT scope, name, description, is_default FROM orgs.permissions WHERE name LIKE 'reports.%' ORDER BY 1, 2;
-- a default permission described otherwise is no longer default
SELECT orgs.define_permission('app', 'models.view', 'View models and their versions.');
SELECT is_default FROM orgs.permissions WHERE scope = 'app' AND name = 'models.view';

--------------------------------------------------------------------------
-- Roles of every organization
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT orgs.define_role('Auditor')$$);
SELECT pg_temp.try($$SELECT orgs.define_role('auditor', 'x', ARRAY['audit.view', 'audit.vieww'])$$);
SELECT pg_temp.try($$SELECT orgs.define_role('auditor', 'x', ARRAY['reports.export'])$$);
SELECT pg_temp.try($$SELECT orgs.define_role('auditor', 'x', NULL, ARRAY['billing.view'])$$);
SELECT pg_temp.try($$SELECT orgs.define_role('auditor', 'x', NULL, NULL, ARRAY['nothing.here'])$$);
SELECT pg_temp.try($$SELECT orgs.define_role('admin', NULL, ARRAY['org.view'])$$);
SELECT orgs.define_role('auditor', 'Reads the audit log',
                        ARRAY['org.view', 'audit.view', 'reports.schedule', 'audit.view'],
                        ARRAY['app.view'], ARRAY['app.view', 'reports.export']);
SELECT * FROM orgs_internal.role_grants(0, 'auditor');
-- held by a member, it takes effect at once (including through a team,
-- within the ceiling: the team's level gives tasks.work, C does not)
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'auditor');
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.perms('ma_cat') AS auditor_perms,
       orgs.has_org_permission('ma_cat', 'ma_org', 'audit.view') AS audit_view;
SELECT orgs.define_level('labeler_worker', NULL, ARRAY['app.view', 'tasks.work', 'reports.export']);
SELECT pg_temp.perms('ma_cat') AS auditor_perms_after_level_change;
-- a role's description alone; NULL keeps the grants
SELECT orgs.define_role('auditor', 'Reads the audit log and exports reports');
SELECT * FROM orgs_internal.role_grants(0, 'auditor');
-- rename: the member keeps it
SELECT orgs.rename_role('auditor', 'inspector');
SELECT m.role, m.role_scope FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id WHERE u.handle = 'ma_cat';
SELECT pg_temp.try($$SELECT orgs.rename_role('inspector', 'admin')$$);
SELECT pg_temp.try($$SELECT orgs.rename_role('nosuch', 'other')$$);
SELECT pg_temp.try($$SELECT orgs.rename_role('admin', 'owner')$$);
-- drop: refused while held, also by a pending invitation
SELECT pg_temp.try($$SELECT orgs.drop_role('inspector')$$);
SELECT pg_temp.try($$SELECT orgs.drop_role('admin')$$);
SELECT pg_temp.try($$SELECT orgs.drop_role('nosuch')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'team_contributor');
SELECT count(*) AS invited FROM orgs.invite('ma_org', 'later@example.com', 'inspector');
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.try($$SELECT orgs.drop_role('inspector')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.rescind_invitation(i.id) FROM orgs.invitations i WHERE i.email = 'later@example.com';
SELECT orgs.act_as(NULL, false);
SELECT orgs.drop_role('inspector');
-- the rescinded invitation keeps the name of the role it gave
SELECT role, role_scope, state FROM orgs.invitations WHERE email = 'later@example.com';
-- unknown roles, in the flows
SELECT orgs.act_as('ma_ann', false);
SELECT pg_temp.try($$SELECT orgs.set_member_role('ma_org', 'ma_cat', 'inspector')$$);
SELECT pg_temp.try($$SELECT * FROM orgs.invite('ma_org', 'x@example.com', 'Admin')$$);
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- Team levels
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT orgs.define_level('reporter', 'x', ARRAY['audit.view'])$$);
SELECT orgs.define_level('reporter', 'Reports only', ARRAY['app.view', 'reports.export']);
SELECT orgs.act_as('ma_ann', false);
SELECT pg_temp.try($$SELECT orgs.set_team_app_permission('ma_org', 'ma_team', 'ma_org/ma_app', 'reporterr')$$);
SELECT pg_temp.try($$SELECT orgs.create_team('ma_org', 'ma_t2', 'T2', 'nosuch')$$);
SELECT orgs.set_team_app_permission('ma_org', 'ma_team', 'ma_org/ma_app', 'reporter');
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.perms('ma_cat') AS reporter_perms;
SELECT pg_temp.try($$SELECT orgs.drop_level('reporter')$$);
SELECT orgs.rename_level('reporter', 'exporter');
SELECT permission FROM orgs.team_apps WHERE team_id = (SELECT id FROM orgs.teams WHERE team_id = 'ma_team');
SELECT pg_temp.try($$SELECT orgs.rename_level('exporter', 'full_access')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_team_app_permission('ma_org', 'ma_team', 'ma_org/ma_app', 'labeler_worker');
SELECT orgs.act_as(NULL, false);
SELECT orgs.drop_level('exporter');
SELECT pg_temp.try($$SELECT orgs.drop_level('exporter')$$);

--------------------------------------------------------------------------
-- Implications
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT orgs.define_implication('reports.export', 'reports.export')$$);
SELECT orgs.define_implication('reports.schedule', 'tasks.work');
-- ma_cat (team_contributor) holds tasks.work through the team's level
SELECT orgs.has_org_permission('ma_cat', 'ma_org', 'reports.schedule') AS implied;
SELECT orgs.drop_implication('reports.schedule', 'tasks.work');
SELECT orgs.has_org_permission('ma_cat', 'ma_org', 'reports.schedule') AS implied_after_drop;
SELECT pg_temp.try($$SELECT orgs.drop_implication('reports.schedule', 'tasks.work')$$);

--------------------------------------------------------------------------
-- Dropping permissions
--------------------------------------------------------------------------
SELECT pg_temp.try($$SELECT orgs.drop_permission('org', 'members.manage')$$);
SELECT pg_temp.try($$SELECT orgs.drop_permission('app', 'app.view')$$);
SELECT pg_temp.try($$SELECT orgs.drop_permission('app', 'nosuch.perm')$$);
SELECT pg_temp.try($$SELECT orgs.drop_permission('app', 'reports.export')$$);
SELECT orgs.drop_permission('app', 'reports.export', cascade => true);
SELECT orgs.level_permissions('labeler_worker') AS labeler_worker;
SELECT pg_temp.try($$SELECT orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'reports.export')$$);
SELECT orgs.drop_permission('org', 'reports.schedule');

--------------------------------------------------------------------------
-- What the database enforces whoever writes
--------------------------------------------------------------------------
SELECT pg_temp.try($$DELETE FROM orgs.role_org_permissions WHERE role = 'admin' AND permission = 'org.view'$$);
SELECT pg_temp.try($$UPDATE orgs.role_app_baseline SET role = 'org_user' WHERE role = 'admin' AND permission = 'app.delete'$$);
SELECT pg_temp.try($$UPDATE orgs.roles SET name = 'owner' WHERE name = 'admin'$$);
SELECT pg_temp.try($$TRUNCATE orgs.team_level_permissions$$);
-- inserting an existing key replaces the row's other columns
INSERT INTO orgs.team_levels (name, description) VALUES ('full_access', 'Everything a team can hold.');
SELECT name, description, is_default FROM orgs.team_levels WHERE name = 'full_access';
-- the model is not for ordinary roles
CREATE ROLE regress_ma_user;
SET ROLE regress_ma_user;
SELECT pg_temp.try($$SELECT orgs.define_role('sneaky', 'x', ARRAY['org.delete'])$$);
SELECT pg_temp.try($$INSERT INTO orgs.role_org_permissions (role, permission) VALUES ('org_user', 'org.delete')$$);
SELECT count(*) > 0 AS model_is_readable FROM orgs.role_app_baseline;
RESET ROLE;

--------------------------------------------------------------------------
-- Capacity: 512 permissions of a scope, 64 roles, 64 levels
--------------------------------------------------------------------------
SELECT count(orgs.define_permission('app', format('cap.p%s', lpad(i::text, 3, '0')), ''))
  FROM generate_series(1, 512 - (SELECT count(*) FROM orgs.permissions WHERE scope = 'app')::int) i;
SELECT count(*) AS app_permissions FROM orgs.permissions WHERE scope = 'app';
SELECT pg_temp.try($$SELECT orgs.define_permission('app', 'cap.one_too_many', '')$$);
-- (the highest bit is the last name in sorted order)
SELECT max(name) AS last_app_permission FROM orgs.permissions WHERE scope = 'app' \gset
SELECT count(orgs.define_role(format('cap_r%s', i), '', ARRAY['org.view'], ARRAY['app.view'],
                              ARRAY['app.view', :'last_app_permission']))
  FROM generate_series(1, 64) i;
SELECT count(orgs.define_level(format('cap_l%s', i), '',
                               ARRAY['app.view', :'last_app_permission', format('cap.p%s', 440 + i % 10)]))
  FROM generate_series(1, 64) i;
SELECT (SELECT count(*) FROM orgs.roles) AS roles, (SELECT count(*) FROM orgs.team_levels) AS levels;
-- the last role, level and permission (highest bits) work
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'cap_r64');
SELECT orgs.set_team_app_permission('ma_org', 'ma_team', 'ma_org/ma_app', 'cap_l64');
SELECT orgs.act_as(NULL, false);
SELECT orgs.has_app_permission('ma_cat', 'ma_org/ma_app', :'last_app_permission') AS highest_bit,
       orgs.has_app_permission('ma_cat', 'ma_org/ma_app', 'cap.p444') AS level_bit_capped,
       orgs.has_app_permission('ma_ann', 'ma_org/ma_app', 'cap.p444') AS admin_holds_it;
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'team_contributor');
SELECT orgs.set_team_app_permission('ma_org', 'ma_team', 'ma_org/ma_app', 'labeler_worker');
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- load_model: the whole model as one document
--------------------------------------------------------------------------
-- back to the default model; a second load changes nothing
SELECT * FROM orgs.load_model((SELECT doc FROM pg_temp.default_model)) AS change
 WHERE change NOT LIKE 'permission app cap.%' AND change NOT LIKE 'role cap_r%' AND change NOT LIKE 'level cap_l%';
SELECT count(*) AS changes FROM orgs.load_model((SELECT doc FROM pg_temp.default_model));
SELECT orgs.model_json() = (SELECT doc FROM pg_temp.default_model) AS same_as_installed;
-- a document with a permission, a role and a level more, and a level less
SELECT * FROM orgs.load_model((SELECT jsonb_set(jsonb_set(jsonb_set(
    doc #- '{levels,labeler_lead}',
    '{permissions,app,reports.export}', '"Export reports."'),
    '{roles,auditor}', '{"description": "Audits", "org": ["org.view", "audit.view"], "baseline": ["app.view"], "ceiling": ["app.view", "reports.export"]}'),
    '{levels,reporter}', '{"description": "Reports", "permissions": ["app.view", "reports.export"]}')
  FROM pg_temp.default_model)) AS change;
SELECT count(*) AS changes_again FROM orgs.load_model((SELECT jsonb_set(jsonb_set(jsonb_set(
    doc #- '{levels,labeler_lead}',
    '{permissions,app,reports.export}', '"Export reports."'),
    '{roles,auditor}', '{"description": "Audits", "org": ["org.view", "audit.view"], "baseline": ["app.view"], "ceiling": ["app.view", "reports.export"]}'),
    '{levels,reporter}', '{"description": "Reports", "permissions": ["app.view", "reports.export"]}')
  FROM pg_temp.default_model));
-- invalid documents change nothing
SELECT pg_temp.try($$SELECT orgs.load_model('[]')$$);
SELECT pg_temp.try($$SELECT orgs.load_model('{"permissions": {}, "roles": {}, "levels": {}, "extra": 1}')$$);
SELECT pg_temp.try($$SELECT orgs.load_model((SELECT doc #- '{permissions,org,members.manage}' FROM pg_temp.default_model))$$);
SELECT pg_temp.try($$SELECT orgs.load_model((SELECT doc #- '{roles,admin}' FROM pg_temp.default_model))$$);
SELECT pg_temp.try($$SELECT orgs.load_model((SELECT jsonb_set(doc, '{roles,org_user,baseline}', '["app.view", "nosuch.thing"]') FROM pg_temp.default_model))$$);
-- a document without a role members hold: refused, and nothing changed
SELECT pg_temp.try($$SELECT orgs.load_model((SELECT doc #- '{roles,org_contributor}' FROM pg_temp.default_model))$$);
SELECT (SELECT count(*) FROM orgs.roles WHERE name = 'auditor') AS auditor_kept,
       (SELECT count(*) FROM orgs.team_levels WHERE name = 'reporter') AS reporter_kept;
SELECT * FROM orgs.load_model((SELECT doc FROM pg_temp.default_model)) AS change;

--------------------------------------------------------------------------
-- Roles an organization defines for itself
--------------------------------------------------------------------------
-- only members.manage holders, within what they hold
SELECT orgs.act_as('ma_dan', false);
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'reviewer', 'x', ARRAY['org.view'])$$);
SELECT orgs.act_as('ma_zed', false);
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'reviewer', 'x', ARRAY['org.view'])$$);
SELECT orgs.act_as('ma_ann', false);
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'org_user', 'x', ARRAY['org.view'])$$);
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'Reviewer', 'x', ARRAY['org.view'])$$);
SELECT orgs.define_org_role('ma_org', 'reviewer', 'Reviews annotations',
                            ARRAY['org.view', 'members.view'],
                            ARRAY['app.view', 'annotations.view'],
                            ARRAY['app.view', 'annotations.view', 'annotations.review']);
SELECT orgs.set_member_role('ma_org', 'ma_bob', 'reviewer');
SELECT name, own, org_permissions, baseline, ceiling FROM orgs.org_roles('ma_org') WHERE own;
SELECT name, own, cardinality(org_permissions) AS org, cardinality(baseline) AS baseline,
       cardinality(ceiling) AS ceiling
  FROM orgs.org_roles('ma_org') WHERE NOT own ORDER BY name;
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.perms('ma_bob') AS reviewer_perms,
       orgs.has_org_permission('ma_bob', 'ma_org', 'teams.view') AS teams_view;
SELECT role, role_scope = (SELECT id FROM orgs.organizations WHERE org_id = 'ma_org') AS own_scope
  FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id WHERE u.handle = 'ma_bob';
-- a member with members.manage but not everything: a role of ma_org's own
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.define_org_role('ma_org', 'people_manager', 'Manages members',
                            ARRAY['org.view', 'members.view', 'members.manage'],
                            ARRAY['app.view'], ARRAY['app.view']);
SELECT orgs.set_member_role('ma_org', 'ma_dan', 'people_manager');
SELECT orgs.act_as('ma_dan', false);
-- invariant 5: nobody defines, changes or drops a role beyond what they hold
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'payer', 'x', ARRAY['org.view', 'billing.view'])$$);
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_org', 'reviewer', 'x', ARRAY['org.view'])$$);
SELECT pg_temp.try($$SELECT orgs.drop_org_role('ma_org', 'reviewer')$$);
SELECT orgs.define_org_role('ma_org', 'viewer', 'Sees the org', ARRAY['org.view']);
-- (ma_cat is a team_contributor: only someone who holds teams.view re-roles ma_cat)
SELECT pg_temp.try($$SELECT orgs.set_member_role('ma_org', 'ma_cat', 'viewer')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'viewer');
SELECT orgs.act_as('ma_dan', false);
SELECT orgs.has_org_permission('ma_cat', 'ma_org', 'members.view') AS viewer_members_view;
SELECT orgs.define_org_role('ma_org', 'viewer', NULL, ARRAY['org.view', 'members.view']);
SELECT orgs.has_org_permission('ma_cat', 'ma_org', 'members.view') AS viewer_members_view_after;
SELECT orgs.rename_org_role('ma_org', 'viewer', 'watcher');
SELECT m.role FROM orgs.members m JOIN orgs.users u ON u.id = m.user_id WHERE u.handle = 'ma_cat';
SELECT pg_temp.try($$SELECT orgs.rename_org_role('ma_org', 'watcher', 'people_manager')$$);
SELECT pg_temp.try($$SELECT orgs.rename_org_role('ma_org', 'watcher', 'admin')$$);
SELECT pg_temp.try($$SELECT orgs.drop_org_role('ma_org', 'watcher')$$);
SELECT pg_temp.try($$SELECT orgs.drop_org_role('ma_org', 'org_user')$$);
SELECT pg_temp.try($$SELECT orgs.drop_org_role('ma_org', 'nosuch')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.set_member_role('ma_org', 'ma_cat', 'team_contributor');
SELECT orgs.act_as('ma_dan', false);
SELECT orgs.drop_org_role('ma_org', 'watcher');
-- invitations give them too (by someone who holds all of the role)
SELECT pg_temp.try($$SELECT * FROM orgs.invite('ma_org', 'rev@example.com', 'reviewer')$$);
SELECT orgs.act_as('ma_ann', false);
SELECT count(*) AS invited FROM orgs.invite('ma_org', 'rev@example.com', 'reviewer');
SELECT role, role_scope <> 0 AS own_scope FROM orgs.invitations WHERE email = 'rev@example.com';
-- another organization does not see them, and cannot use them (an
-- ordinary database role, so that row-level security applies)
CREATE ROLE regress_ma_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_ma_app;
SET ROLE regress_ma_app;
SELECT orgs.act_as('ma_ann', false);
SELECT name FROM orgs.roles WHERE role_scope <> 0 ORDER BY 1;
SELECT orgs.act_as('ma_zed', false);
SELECT count(*) AS seen_roles FROM orgs.roles WHERE role_scope <> 0;
SELECT count(*) AS seen_grants FROM orgs.role_org_permissions WHERE role = 'reviewer';
SELECT name FROM orgs.org_roles('ma_other') WHERE own;
SELECT pg_temp.try($$SELECT orgs.set_member_role('ma_other', 'ma_eve', 'reviewer')$$);
SELECT pg_temp.try($$SELECT orgs.org_roles('ma_org')$$);
SELECT orgs.define_org_role('ma_other', 'reviewer', 'Another org''s reviewer', ARRAY['org.view']);
SELECT name, org_permissions FROM orgs.org_roles('ma_other') WHERE own;
-- the same name in two orgs: each org's checks use its own role only.  In
-- ma_other a reviewer gets nothing from a team (its ceiling is empty), so a
-- team manager who holds no app permission may add one to a team that
-- holds an app at full_access (ma_org's reviewer's ceiling is not used).
SELECT orgs.create_app('ma_other', 'oapp') IS NOT NULL AS app;
SELECT orgs.create_team('ma_other', 'ot', 'Other team', 'full_access') IS NOT NULL AS team;
SELECT orgs.add_team_app('ma_other', 'ot', 'ma_other/oapp');
SELECT orgs.define_org_role('ma_other', 'team_manager', 'Manages team members',
                            ARRAY['org.view', 'members.view', 'teams.view', 'teams.manage_members']);
SELECT orgs.set_member_role('ma_other', 'ma_eve', 'team_manager');
SELECT pg_temp.join('ma_other', 'ma_zed', 'ma_bob', 'reviewer');
SELECT orgs.act_as('ma_eve', false);
SELECT orgs.add_team_member('ma_other', 'ot', 'ma_bob');
SELECT orgs.app_permissions('ma_bob', 'ma_other/oapp') AS bob_in_other_org;
SELECT orgs.act_as('ma_zed', false);
SELECT orgs.act_as(NULL, false);
RESET ROLE;
-- a role of every organization cannot take the name of an org's own role
SELECT pg_temp.try($$SELECT orgs.define_role('reviewer', 'x')$$);
-- at most 64 roles of one organization's own
SELECT orgs.act_as('ma_zed', false);
SELECT count(*) AS own_roles FROM orgs.roles r JOIN orgs.organizations o ON o.id = r.role_scope
 WHERE o.org_id = 'ma_other';
SELECT count(orgs.define_org_role('ma_other', format('extra%s', i), '', ARRAY['org.view']))
  FROM generate_series(1, 62) i;
SELECT pg_temp.try($$SELECT orgs.define_org_role('ma_other', 'extra63', '', ARRAY['org.view'])$$);
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- The audit log of the model
--------------------------------------------------------------------------
SELECT event_code, event, target, org_id IS NULL AS global
  FROM orgs.audit_log
 WHERE id > :audit_start AND event_code >= 300 AND target NOT LIKE 'cap%' AND target NOT LIKE 'extra%'
 ORDER BY id;
SELECT details FROM orgs.audit_log
 WHERE id > :audit_start AND event_code = 320 AND target = 'viewer' ORDER BY id LIMIT 1;

--------------------------------------------------------------------------
-- Clean up: the organizations (and their own roles), then the default model
--------------------------------------------------------------------------
SELECT orgs.act_as('ma_ann', false);
SELECT orgs.rescind_invitation(i.id) FROM orgs.invitations i WHERE i.email = 'rev@example.com';
SELECT orgs.delete_org('ma_org', drop_apps => true);
SELECT orgs.act_as('ma_zed', false);
SELECT orgs.delete_org('ma_other', drop_apps => true);
SELECT orgs.act_as(NULL, false);
SELECT count(*) AS org_roles_left FROM orgs.roles WHERE role_scope <> 0;
SELECT count(*) AS changes FROM orgs.load_model((SELECT doc FROM pg_temp.default_model));
SELECT orgs.model_json() = (SELECT doc FROM pg_temp.default_model) AS default_model_again;
DELETE FROM orgs.users WHERE handle LIKE 'ma\_%';
DROP ROLE regress_ma_user;
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_ma_app;
DROP ROLE regress_ma_app;
