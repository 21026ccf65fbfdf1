-- pg_orgs_example upgrade from 0.1.0 to 0.2.0.
\echo Use "ALTER EXTENSION pg_orgs_example UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 used a schema "example" that existed before CREATE EXTENSION: only
-- a schema owned by the extension's owner is updated.
DO $$
DECLARE
    v_owner text;
BEGIN
    SELECT n.nspowner::pg_catalog.regrole::text INTO v_owner
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_extension e
     WHERE n.nspname OPERATOR(pg_catalog.=) 'example'
       AND e.extname OPERATOR(pg_catalog.=) 'pg_orgs_example'
       AND n.nspowner OPERATOR(pg_catalog.<>) e.extowner;
    IF FOUND THEN
        RAISE EXCEPTION 'schema "example" is owned by role %, not by the owner of extension pg_orgs_example', v_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner can drop the example''s tables or change what its policies call.',
                  HINT = 'Check the schema for objects that do not belong to the extension, then make the extension''s owner its owner (ALTER SCHEMA example OWNER TO ...) and update again.';
    END IF;
END;
$$;

-- The policies of pg_orgs 0.2.0's protect_table (per-row checks that the
-- planner turns into index conditions), made again for every table.
SELECT orgs.protect_org_table('example.clusters', 'org_id', resource => 'clusters');
SELECT orgs.protect_org_table('example.nodepools', 'org_id', resource => 'clusters');
SELECT orgs.protect_org_table('example.overview_stats', 'org_id',
                              select_permission => 'control_center.overview');
SELECT orgs.protect_org_table('example.usage_records', 'org_id',
                              select_permission => 'control_center.usage');
SELECT orgs.protect_org_table('example.cost_records', 'org_id',
                              select_permission => 'control_center.costs');
SELECT orgs.protect_org_table('example.budgets', 'org_id',
                              select_permission => 'control_center.costs',
                              insert_permission => 'control_center.costs',
                              update_permission => 'control_center.costs',
                              delete_permission => 'control_center.costs');
SELECT orgs.protect_org_table('example.invoices', 'org_id',
                              select_permission => 'billing.view');

SELECT orgs.protect_table('example.models', 'app_id', resource => 'models');
SELECT orgs.protect_table('example.model_versions', 'app_id',
                          select_permission => 'models.view',
                          insert_permission => 'models.train',
                          update_permission => 'models.train',
                          delete_permission => 'models.delete');
SELECT orgs.protect_table('example.model_metrics', 'app_id',
                          select_permission => 'models.metrics',
                          insert_permission => 'models.train',
                          update_permission => 'models.train',
                          delete_permission => 'models.train');
SELECT orgs.protect_table('example.workflows', 'app_id', resource => 'workflows');
SELECT orgs.protect_table('example.base_workflows', 'app_id',
                          select_permission => 'base_workflow.view',
                          insert_permission => 'base_workflow.edit',
                          update_permission => 'base_workflow.edit',
                          delete_permission => 'base_workflow.edit');
SELECT orgs.protect_table('example.collaborators', 'app_id',
                          select_permission => 'collaborators.view',
                          insert_permission => 'collaborators.edit',
                          update_permission => 'collaborators.edit',
                          delete_permission => 'collaborators.edit');
SELECT orgs.protect_table('example.datasets', 'app_id', resource => 'datasets');
SELECT orgs.protect_table('example.inputs', 'app_id', resource => 'inputs');
SELECT orgs.protect_table('example.concepts', 'app_id', resource => 'concepts');
SELECT orgs.protect_table('example.tasks', 'app_id', resource => 'tasks');
SELECT orgs.protect_table('example.task_assignees', 'app_id',
                          select_permission => 'tasks.view',
                          insert_permission => 'tasks.assign',
                          update_permission => 'tasks.assign',
                          delete_permission => 'tasks.assign');
SELECT orgs.protect_table('example.task_inputs', 'app_id',
                          select_permission => 'tasks.view',
                          insert_permission => 'tasks.edit',
                          update_permission => 'tasks.edit',
                          delete_permission => 'tasks.edit');
SELECT orgs.protect_table('example.task_concepts', 'app_id',
                          select_permission => 'tasks.view',
                          insert_permission => 'tasks.edit',
                          update_permission => 'tasks.edit',
                          delete_permission => 'tasks.edit');
SELECT orgs.protect_table('example.task_events', 'app_id',
                          select_permission => 'tasks.analytics',
                          insert_permission => 'tasks.edit',
                          update_permission => '',
                          delete_permission => 'tasks.delete');
SELECT orgs.protect_table('example.annotations', 'app_id', resource => 'annotations');
SELECT orgs.protect_table('example.annotation_reviews', 'app_id',
                          select_permission => 'annotations.view',
                          insert_permission => 'annotations.review, annotations.feedback',
                          update_permission => 'annotations.review, annotations.feedback',
                          delete_permission => 'annotations.review, annotations.feedback');
SELECT orgs.protect_table('example.modules', 'app_id',
                          select_permission => 'modules.use',
                          insert_permission => 'modules.create',
                          update_permission => 'modules.create',
                          delete_permission => 'modules.delete');
SELECT orgs.protect_table('example.module_installs', 'app_id',
                          select_permission => 'modules.use',
                          insert_permission => 'modules.install',
                          update_permission => 'modules.install',
                          delete_permission => 'modules.install');
SELECT orgs.protect_table('example.deployments', 'app_id',
                          select_permission => 'deployments.view',
                          insert_permission => 'deployments.create',
                          update_permission => 'deployments.create',
                          delete_permission => 'deployments.delete');
