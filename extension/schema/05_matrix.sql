--------------------------------------------------------------------------
-- The default permission model, installed as data (is_default = true at
-- the end of this file).  The upgrade from 0.1.0 runs this file too.
--------------------------------------------------------------------------

INSERT INTO orgs.roles (name, description) VALUES
    ('admin', 'Owns the organization: holds every permission, org-level and on every app.'),
    ('financial_manager', 'Billing and the Control Center; no apps.'),
    ('org_contributor', 'Manages teams and creates apps; every app permission but transfer on every app.'),
    ('org_user', 'Views every app of the organization; more through teams.'),
    ('team_contributor', 'Reaches apps only through teams.'),
    ('infrastructure_manager', 'Manages compute clusters and deployments.');

INSERT INTO orgs.team_levels (name, description) VALUES
    ('full_access', 'Every app permission (within the member''s role ceiling).'),
    ('model_trainer', 'Builds, trains and deploys models.'),
    ('labeler_lead', 'Leads labeling: tasks, annotations review, concepts.'),
    ('labeler_worker', 'Works on the labeling tasks assigned to them.');

INSERT INTO orgs.permissions (scope, name, description) VALUES
    ('org', 'org.view', 'See the organization and its profile.'),
    ('org', 'org.edit', 'Change the organization''s name, billing e-mail and settings.'),
    ('org', 'org.delete', 'Delete the organization.'),
    ('org', 'members.view', 'List the organization''s members and their roles.'),
    ('org', 'members.manage', 'Invite, re-role and remove members; see and rescind invitations.'),
    ('org', 'teams.view', 'List teams, their members and their apps.'),
    ('org', 'teams.manage', 'Create, rename and delete teams.'),
    ('org', 'teams.manage_members', 'Add and remove team members.'),
    ('org', 'teams.manage_apps', 'Add, re-permission and remove team apps.'),
    ('org', 'apps.create', 'Create apps in the org and transfer apps into it.'),
    ('org', 'clusters.view', 'See compute clusters and nodepools.'),
    ('org', 'clusters.manage', 'Create, edit and delete clusters and nodepools.'),
    ('org', 'billing.view', 'See financial data.'),
    ('org', 'control_center.overview', 'Control Center tab "Overview".'),
    ('org', 'control_center.usage', 'Control Center tab "Usage & Operations".'),
    ('org', 'control_center.costs', 'Control Center tab "Costs & Budget", including budget settings.'),
    ('org', 'audit.view', 'Read the organization''s audit log.'),
    ('app', 'app.view', 'Open the app and browse it.'),
    ('app', 'app.edit_id', 'Change the app''s ID.'),
    ('app', 'app.edit_description', 'Edit the app description.'),
    ('app', 'app.edit_notes', 'Edit the app notes.'),
    ('app', 'app.delete', 'Delete the app.'),
    ('app', 'app.visibility', 'Change the app''s visibility.'),
    ('app', 'app.transfer', 'Transfer the app to another owner.'),
    ('app', 'collaborators.view', 'View the app''s collaborators.'),
    ('app', 'collaborators.edit', 'Edit the app''s collaborators.'),
    ('app', 'resources.visibility', 'Change visibility of the app''s resources.'),
    ('app', 'base_workflow.view', 'View the app''s base workflow.'),
    ('app', 'base_workflow.edit', 'Edit the app''s base workflow.'),
    ('app', 'workflows.view', 'View workflows.'),
    ('app', 'workflows.create', 'Create workflows.'),
    ('app', 'workflows.edit', 'Edit workflows.'),
    ('app', 'workflows.delete', 'Delete workflows.'),
    ('app', 'models.view', 'View models.'),
    ('app', 'models.create', 'Create models.'),
    ('app', 'models.edit', 'Edit models.'),
    ('app', 'models.delete', 'Delete models.'),
    ('app', 'models.train', 'Train models.'),
    ('app', 'models.metrics', 'See model metrics and performance data.'),
    ('app', 'inputs.view', 'View inputs (the data).'),
    ('app', 'inputs.create', 'Create inputs.'),
    ('app', 'inputs.edit', 'Edit inputs.'),
    ('app', 'inputs.delete', 'Delete inputs.'),
    ('app', 'datasets.view', 'View datasets.'),
    ('app', 'datasets.create', 'Create datasets.'),
    ('app', 'datasets.edit', 'Edit datasets.'),
    ('app', 'datasets.delete', 'Delete datasets.'),
    ('app', 'concepts.view', 'View concepts.'),
    ('app', 'concepts.create', 'Create concepts.'),
    ('app', 'concepts.edit', 'Edit concepts.'),
    ('app', 'concepts.delete', 'Delete concepts.'),
    ('app', 'annotations.view', 'View annotations.'),
    ('app', 'annotations.create', 'Create annotations.'),
    ('app', 'annotations.edit', 'Edit annotations.'),
    ('app', 'annotations.delete', 'Delete annotations.'),
    ('app', 'annotations.review', 'Review annotations.'),
    ('app', 'annotations.feedback', 'Give feedback on annotations.'),
    ('app', 'tasks.view', 'Monitor all labeling tasks and their progress.'),
    ('app', 'tasks.create', 'Create labeling tasks.'),
    ('app', 'tasks.edit', 'Edit labeling tasks.'),
    ('app', 'tasks.delete', 'Delete labeling tasks.'),
    ('app', 'tasks.assign', 'Assign labeling tasks.'),
    ('app', 'tasks.analytics', 'See task analytics.'),
    ('app', 'tasks.work', 'Work on the tasks assigned to me (row scope enforced by policy).'),
    ('app', 'team_members.view', 'See the first and last names of the members of one''s teams.'),
    ('app', 'modules.use', 'Use modules.'),
    ('app', 'modules.create', 'Create modules.'),
    ('app', 'modules.delete', 'Delete modules.'),
    ('app', 'modules.install', 'Install and uninstall modules.'),
    ('app', 'deployments.view', 'See deployments of this app''s models in the org''s clusters.'),
    ('app', 'deployments.create', 'Deploy this app''s models into the org''s clusters.'),
    ('app', 'deployments.delete', 'Delete deployments of this app''s models.'),
    ('app', 'clusters.view', 'See the org''s clusters and nodepools while deploying this app''s models.');

-- Org-level permissions by role.
INSERT INTO orgs.role_org_permissions (role, permission)
SELECT 'admin'::orgs.org_role, name FROM orgs.permissions WHERE scope OPERATOR(pg_catalog.=) 'org'
UNION ALL
SELECT r::orgs.org_role, p FROM (VALUES
    ('financial_manager', 'org.view'), ('financial_manager', 'billing.view'),
    ('financial_manager', 'control_center.overview'),
    ('financial_manager', 'control_center.usage'),
    ('financial_manager', 'control_center.costs'),
    ('org_contributor', 'org.view'), ('org_contributor', 'members.view'),
    ('org_contributor', 'teams.view'), ('org_contributor', 'teams.manage'),
    ('org_contributor', 'teams.manage_members'), ('org_contributor', 'teams.manage_apps'),
    ('org_contributor', 'apps.create'), ('org_contributor', 'clusters.view'),
    ('org_user', 'org.view'), ('org_user', 'members.view'), ('org_user', 'teams.view'),
    ('org_user', 'clusters.view'),
    ('team_contributor', 'org.view'), ('team_contributor', 'members.view'),
    ('team_contributor', 'teams.view'),
    ('infrastructure_manager', 'org.view'), ('infrastructure_manager', 'clusters.view'),
    ('infrastructure_manager', 'clusters.manage')) AS g(r, p);

-- B(role): held on every app the org owns.
-- app.transfer on an org's app is an admin's alone: moving an app out of an
-- org takes every row keyed to it with it.
INSERT INTO orgs.role_app_baseline (role, permission)
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('admin'), ('org_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
   AND (r OPERATOR(pg_catalog.=) 'admin' OR name OPERATOR(pg_catalog.<>) 'app.transfer')
UNION ALL
SELECT 'org_user'::orgs.org_role, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'collaborators.view', 'base_workflow.view', 'workflows.view',
    'models.view', 'models.metrics', 'inputs.view', 'datasets.view',
    'concepts.view', 'annotations.view', 'tasks.view', 'modules.use',
    'clusters.view']) AS p
UNION ALL
SELECT 'infrastructure_manager'::orgs.org_role, p FROM pg_catalog.unnest(ARRAY[
    'deployments.view', 'deployments.create', 'deployments.delete',
    'clusters.view']) AS p;

-- C(role): the most a team grant can give.
INSERT INTO orgs.role_app_ceiling (role, permission)
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('admin'), ('org_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
   AND (r OPERATOR(pg_catalog.=) 'admin' OR name OPERATOR(pg_catalog.<>) 'app.transfer')
UNION ALL
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('org_user'), ('team_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
   AND name OPERATOR(pg_catalog.<>) ALL (ARRAY[
       'app.edit_id', 'app.delete', 'app.visibility', 'app.transfer',
       'collaborators.edit', 'base_workflow.edit'])
UNION ALL
SELECT 'infrastructure_manager'::orgs.org_role, permission FROM orgs.role_app_baseline
 WHERE role OPERATOR(pg_catalog.=) 'infrastructure_manager';

-- L(level): what each team level grants.
INSERT INTO orgs.team_level_permissions (level, permission)
SELECT 'full_access'::orgs.team_permission, name FROM orgs.permissions WHERE scope OPERATOR(pg_catalog.=) 'app'
UNION ALL
SELECT 'model_trainer'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'models.view', 'models.create', 'models.edit', 'models.delete',
    'models.train', 'models.metrics', 'inputs.view', 'concepts.view',
    'datasets.view', 'deployments.view', 'deployments.create',
    'deployments.delete', 'clusters.view']) AS p
UNION ALL
SELECT 'labeler_worker'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY['app.view', 'tasks.work']) AS p
UNION ALL
SELECT 'labeler_lead'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'tasks.work',
    'tasks.view', 'tasks.create', 'tasks.edit', 'tasks.assign', 'tasks.analytics',
    'team_members.view', 'annotations.view', 'annotations.review',
    'annotations.feedback', 'concepts.view', 'concepts.create', 'concepts.edit',
    'concepts.delete', 'inputs.view', 'datasets.view']) AS p;

-- The clusters.view decision (docs/permissions.md).
INSERT INTO orgs.org_permissions_from_app (org_permission, app_permission)
VALUES ('clusters.view', 'clusters.view');

UPDATE orgs.permissions SET is_default = true;
UPDATE orgs.roles SET is_default = true;
UPDATE orgs.team_levels SET is_default = true;
UPDATE orgs.role_org_permissions SET is_default = true;
UPDATE orgs.role_app_baseline SET is_default = true;
UPDATE orgs.role_app_ceiling SET is_default = true;
UPDATE orgs.team_level_permissions SET is_default = true;
UPDATE orgs.org_permissions_from_app SET is_default = true;
