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

-- Keys that distribute: the primary key of every table starts with its
-- tenant column, app_id or org_id ((app_id, id) instead of (id) and a
-- unique (app_id, id)), so that Citus can distribute the tables by it
-- (example.distribute()).  The foreign keys that referred to the unique
-- constraints are made again on the new primary keys.
DO $$
DECLARE
    r record;
    k record;
    v_fks text[] := '{}';
    v_fk text;
BEGIN
    FOR r IN SELECT c.oid::pg_catalog.regclass AS rel, c.relname, x.scope
               FROM pg_catalog.pg_class c
               JOIN (VALUES ('clusters', 'org_id'), ('nodepools', 'org_id'), ('budgets', 'org_id'),
                            ('models', 'app_id'), ('model_versions', 'app_id'), ('workflows', 'app_id'),
                            ('datasets', 'app_id'), ('inputs', 'app_id'), ('concepts', 'app_id'),
                            ('tasks', 'app_id'), ('task_events', 'app_id'), ('annotations', 'app_id'),
                            ('annotation_reviews', 'app_id'), ('modules', 'app_id'),
                            ('module_installs', 'app_id'), ('deployments', 'app_id')) AS x(t, scope)
                 ON x.t OPERATOR(pg_catalog.=) c.relname
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'example'::pg_catalog.regnamespace
    LOOP
        FOR k IN SELECT co.conrelid::pg_catalog.regclass AS rel, co.conname,
                        pg_catalog.pg_get_constraintdef(co.oid) AS def
                   FROM pg_catalog.pg_constraint co
                  WHERE co.contype OPERATOR(pg_catalog.=) 'f' AND co.confrelid OPERATOR(pg_catalog.=) r.rel
        LOOP
            v_fks := v_fks OPERATOR(pg_catalog.||)
                     pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.rel, k.conname, k.def);
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', k.rel, k.conname);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.relname OPERATOR(pg_catalog.||) '_pkey');
        IF r.relname OPERATOR(pg_catalog.<>) 'budgets' THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel,
                                      r.relname OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) r.scope OPERATOR(pg_catalog.||) '_id_key');
        END IF;
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (%I, id)', r.rel,
                                  r.relname OPERATOR(pg_catalog.||) '_pkey', r.scope);
    END LOOP;
    FOREACH v_fk IN ARRAY v_fks LOOP
        EXECUTE v_fk;
    END LOOP;
END;
$$;
ALTER TABLE example.nodepools DROP CONSTRAINT nodepools_cluster_id_nodepool_id_key;
ALTER TABLE example.nodepools ADD CONSTRAINT nodepools_org_id_cluster_id_nodepool_id_key
    UNIQUE (org_id, cluster_id, nodepool_id);
ALTER TABLE example.model_versions DROP CONSTRAINT model_versions_model_id_version_key;
ALTER TABLE example.model_versions ADD CONSTRAINT model_versions_app_id_model_id_version_key
    UNIQUE (app_id, model_id, version);
ALTER TABLE example.model_metrics DROP CONSTRAINT model_metrics_pkey;
ALTER TABLE example.model_metrics ADD CONSTRAINT model_metrics_pkey PRIMARY KEY (app_id, model_version_id, metric);
ALTER TABLE example.task_assignees DROP CONSTRAINT task_assignees_pkey;
ALTER TABLE example.task_assignees ADD CONSTRAINT task_assignees_pkey PRIMARY KEY (app_id, task_id, user_id);
ALTER TABLE example.task_inputs DROP CONSTRAINT task_inputs_pkey;
ALTER TABLE example.task_inputs ADD CONSTRAINT task_inputs_pkey PRIMARY KEY (app_id, task_id, input_id);
ALTER TABLE example.task_concepts DROP CONSTRAINT task_concepts_pkey;
ALTER TABLE example.task_concepts ADD CONSTRAINT task_concepts_pkey PRIMARY KEY (app_id, task_id, concept_id);

-- Functions whose body is one RETURN of a query: as BEGIN ATOMIC (Citus cannot run
-- a RETURN body that reads its tables).
CREATE OR REPLACE FUNCTION example.assigned_task_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT ta.task_id), '{}')
              FROM example.task_assignees ta
             WHERE ta.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
               AND ta.app_id OPERATOR(pg_catalog.=) ANY (orgs.apps_with_permission('tasks.work')));
END;
CREATE OR REPLACE FUNCTION example.assigned_input_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT ti.input_id), '{}')
              FROM example.task_inputs ti
             WHERE ti.task_id OPERATOR(pg_catalog.=) ANY (example.assigned_task_ids()));
END;
CREATE OR REPLACE FUNCTION example.assigned_concept_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT tc.concept_id), '{}')
              FROM example.task_concepts tc
             WHERE tc.task_id OPERATOR(pg_catalog.=) ANY (example.assigned_task_ids()));
END;
CREATE OR REPLACE FUNCTION example.name_visible_team_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT tm.team_id), '{}')
              FROM orgs.team_members tm
              JOIN orgs.team_apps ta ON ta.team_id OPERATOR(pg_catalog.=) tm.team_id
             WHERE tm.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
               AND ta.app_id OPERATOR(pg_catalog.=) ANY (orgs.apps_with_permission('team_members.view')));
END;

-- inputs.dataset_id: ON DELETE SET NULL (dataset_id) becomes trigger
-- detach_inputs (Citus refuses the action in a key with app_id).
ALTER TABLE example.inputs DROP CONSTRAINT inputs_app_id_dataset_id_fkey;
ALTER TABLE example.inputs ADD CONSTRAINT inputs_app_id_dataset_id_fkey
    FOREIGN KEY (app_id, dataset_id) REFERENCES example.datasets (app_id, id);

-- A deleted dataset leaves its inputs, without a dataset (as ON DELETE SET
-- NULL (dataset_id) would, which Citus refuses in a foreign key that holds
-- the distribution column).  As the extension's owner, like a foreign
-- key's action; on a Citus cluster the update reaches the co-located
-- shard of the inputs, on the same node.
CREATE FUNCTION example.detach_inputs()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (when the app itself is being deleted, its inputs go with it)
    IF EXISTS (SELECT 1 FROM orgs.apps a WHERE a.id OPERATOR(pg_catalog.=) OLD.app_id) THEN
        UPDATE example.inputs i SET dataset_id = NULL
         WHERE i.app_id OPERATOR(pg_catalog.=) OLD.app_id AND i.dataset_id OPERATOR(pg_catalog.=) OLD.id;
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION example.detach_inputs() IS
    'Trigger: the inputs of a deleted dataset stay, without a dataset.';
REVOKE ALL ON FUNCTION example.detach_inputs() FROM PUBLIC;
CREATE TRIGGER detach_inputs BEFORE DELETE ON example.datasets
    FOR EACH ROW EXECUTE FUNCTION example.detach_inputs();
COMMENT ON TRIGGER detach_inputs ON example.datasets IS 'The inputs of a deleted dataset stay, without a dataset.';

-- The names, read as the extension's owner by a function (on a Citus
-- cluster a view's query runs as the querying role, which may not read
-- these columns of orgs.users), for the teams computed first.
CREATE FUNCTION example.team_member_names_rows()
RETURNS TABLE (org_id text, team_id text, user_handle text, first_name text, last_name text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_teams bigint[] := example.name_visible_team_ids();
BEGIN
    RETURN QUERY
    SELECT o.org_id::text, t.team_id::text, u.handle::text, u.first_name, u.last_name
      FROM orgs.team_members tm
      JOIN orgs.teams t ON t.id = tm.team_id
      JOIN orgs.organizations o ON o.id = tm.org_id
      JOIN orgs.users u ON u.id = tm.user_id
     WHERE tm.team_id = ANY (v_teams);
END;
$$;
COMMENT ON FUNCTION example.team_member_names_rows() IS
    'The rows of example.team_member_names.';

CREATE OR REPLACE VIEW example.team_member_names WITH (security_barrier) AS
SELECT n.org_id, n.team_id, n.user_handle, n.first_name, n.last_name
  FROM example.team_member_names_rows() AS n;

-- The message of the visibility trigger names the table, not a Citus shard.
CREATE OR REPLACE FUNCTION example.guard_resource_visibility()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF orgs.current_user_id() IS NOT NULL
       AND ((TG_OP = 'INSERT' AND NEW.visibility <> 'private')
            OR (TG_OP = 'UPDATE' AND NEW.visibility IS DISTINCT FROM OLD.visibility))
       AND NOT coalesce(orgs.has_app_permission(NEW.app_id, 'resources.visibility'), false) THEN
        -- (on a Citus cluster the trigger fires on a shard: models_102008)
        RAISE EXCEPTION 'permission denied to change the visibility of % "%"',
                        rtrim(regexp_replace(TG_TABLE_NAME, '_[0-9]+$', ''), 's'), NEW.name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Changing the visibility of an app''s resources requires permission "resources.visibility" on the app.';
    END IF;
    RETURN NEW;
END;
$$;

-- The same row scope, one row at a time, for a Citus cluster: there a
-- policy cannot hold a sub-query, and a query that runs on a shard cannot
-- query a distributed table.  Each check reads, on the node where the row
-- is, the shard of the same app of the assignment tables (co-located with
-- the row: example.distribute()), and only for apps where the acting user
-- holds tasks.work.  example.distribute() puts these in the labeler_*
-- policies; on a single node the policies above compute each list once
-- per statement instead.

-- The relation holding the rows of tbl for one app on this node: the
-- table itself, or, when it is distributed by Citus, this node's shard of
-- that app.
CREATE FUNCTION example.local_rows(tbl pg_catalog.regclass, app_id bigint)
RETURNS pg_catalog.regclass
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_distributed boolean := false;
    v_rel regclass;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1 AND p.partmethod = ''h'')'
            INTO v_distributed USING tbl;
    END IF;
    IF NOT v_distributed THEN
        RETURN tbl;
    END IF;
    EXECUTE 'SELECT pg_catalog.to_regclass(pg_catalog.shard_name($1, pg_catalog.get_shard_id_for_distribution_column($1, $2)))'
        INTO v_rel USING tbl, app_id;
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'this node holds no shard of % for app %', tbl, app_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN v_rel;
END;
$$;
COMMENT ON FUNCTION example.local_rows(pg_catalog.regclass, bigint) IS
    'The relation that holds the rows of a table for one app on this node: the table, or its Citus shard for that app.';

CREATE FUNCTION example.task_assigned(app_id bigint, task_id bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    IF orgs.current_user_id() IS NULL
       OR NOT coalesce(orgs.has_app_permission(task_assigned.app_id, 'tasks.work'), false) THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s ta WHERE ta.app_id = $1 AND ta.task_id = $2 AND ta.user_id = $3)',
                   example.local_rows('example.task_assignees', task_assigned.app_id))
        INTO v_found USING task_assigned.app_id, task_assigned.task_id, orgs.current_user_id();
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION example.task_assigned(bigint, bigint) IS
    'Is this labeling task assigned to the acting user, who holds tasks.work on its app? (The row scope of tasks.work, per row.)';

CREATE FUNCTION example.input_assigned(app_id bigint, input_id bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    IF orgs.current_user_id() IS NULL
       OR NOT coalesce(orgs.has_app_permission(input_assigned.app_id, 'tasks.work'), false) THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s ti JOIN %s ta ON ta.app_id = ti.app_id AND ta.task_id = ti.task_id'
                   ' WHERE ti.app_id = $1 AND ti.input_id = $2 AND ta.user_id = $3)',
                   example.local_rows('example.task_inputs', input_assigned.app_id),
                   example.local_rows('example.task_assignees', input_assigned.app_id))
        INTO v_found USING input_assigned.app_id, input_assigned.input_id, orgs.current_user_id();
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION example.input_assigned(bigint, bigint) IS
    'Is this input in a labeling task assigned to the acting user, who holds tasks.work on its app?';

CREATE FUNCTION example.concept_assigned(app_id bigint, concept_id bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    IF orgs.current_user_id() IS NULL
       OR NOT coalesce(orgs.has_app_permission(concept_assigned.app_id, 'tasks.work'), false) THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s tc JOIN %s ta ON ta.app_id = tc.app_id AND ta.task_id = tc.task_id'
                   ' WHERE tc.app_id = $1 AND tc.concept_id = $2 AND ta.user_id = $3)',
                   example.local_rows('example.task_concepts', concept_assigned.app_id),
                   example.local_rows('example.task_assignees', concept_assigned.app_id))
        INTO v_found USING concept_assigned.app_id, concept_assigned.concept_id, orgs.current_user_id();
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION example.concept_assigned(bigint, bigint) IS
    'Is this concept in a labeling task assigned to the acting user, who holds tasks.work on its app?';

--------------------------------------------------------------------------
-- Scaling out with Citus: example.distribute()
--------------------------------------------------------------------------
-- The layout, on a Citus cluster where orgs.citus_setup() has made the
-- tables of pg_orgs reference tables (run by a superuser, on the
-- coordinator):
--   - app-scoped tables: distributed by app_id, all co-located, so that
--     all the rows of an app, and the foreign keys between them (which all
--     include app_id), live on one node;
--   - org-scoped tables (clusters, nodepools and the Control Center's
--     overview_stats, usage_records, cost_records, budgets, invoices):
--     distributed by org_id, co-located with each other;
--   - a deployment (an app's row) names a nodepool (an org's row): a
--     foreign key between tables distributed by different columns is not
--     possible, so distribute() drops deployments_org_id_nodepool_id_fkey
--     (deleting a nodepool no longer deletes its deployments, and a
--     deployment is not checked to name an existing nodepool).  (Reference
--     tables would keep it, but a write to a reference table that refers to
--     other reference tables needs, in Citus, write privileges on those:
--     ordinary roles have none on the tables of pg_orgs.)
-- Existing rows are copied as they are (the triggers disabled for the
-- copy, on every node, and enabled again).  The
-- row scope of tasks.work moves to the per-row checks above (Citus accepts
-- no sub-query in a policy).
CREATE FUNCTION example.distribute()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_settings text[] := ARRAY['citus.enable_unsafe_triggers',
                               'citus.enable_local_reference_table_foreign_keys'];
    v_values text[] := ARRAY['on', 'off'];
    v_triggers text[];
    v_srr text;
    v_saved text[];
    v_by_org text[] := ARRAY['clusters', 'nodepools', 'overview_stats', 'usage_records',
                             'cost_records', 'budgets', 'invoices'];
    v_all regclass[];
    v_done regclass[];
    v_next regclass;
    v_first_org regclass;       -- the groups of co-located tables
    v_first_app regclass;
    v_ready boolean;
    v_name text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citus') THEN
        RAISE EXCEPTION 'extension "citus" is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = current_user AND r.rolsuper) THEN
        RAISE EXCEPTION 'permission denied to distribute the tables of pg_orgs_example'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only a superuser can run example.distribute().';
    END IF;
    EXECUTE $q$SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                               WHERE p.logicalrelid = 'orgs.apps'::pg_catalog.regclass)$q$
        INTO v_ready;
    IF NOT v_ready THEN
        RAISE EXCEPTION 'the tables of pg_orgs are not Citus reference tables'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT orgs.citus_setup(); first.';
    END IF;
    EXECUTE $q$SELECT pg_catalog.array_agg(c.oid::pg_catalog.regclass) FROM pg_catalog.pg_class c
                WHERE c.relnamespace = 'example'::pg_catalog.regnamespace AND c.relkind = 'r'
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = c.oid)$q$
        INTO v_all;
    IF v_all IS NULL THEN
        RETURN;                 -- done already
    END IF;

    -- the row scope of tasks.work, per row (before the tables are
    -- distributed: Citus refuses a policy with a sub-query)
    ALTER POLICY labeler_select ON example.tasks USING (example.task_assigned(app_id, id));
    ALTER POLICY labeler_update ON example.tasks
        USING (example.task_assigned(app_id, id)) WITH CHECK (example.task_assigned(app_id, id));
    ALTER POLICY labeler_select ON example.task_assignees
        USING (user_id OPERATOR(pg_catalog.=) orgs.current_user_id() AND example.task_assigned(app_id, task_id));
    ALTER POLICY labeler_select ON example.task_inputs USING (example.task_assigned(app_id, task_id));
    ALTER POLICY labeler_select ON example.task_concepts USING (example.task_assigned(app_id, task_id));
    ALTER POLICY labeler_insert ON example.task_events
        WITH CHECK (example.task_assigned(app_id, task_id)
                    AND kind OPERATOR(pg_catalog.=) 'progress'
                    AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
    ALTER POLICY labeler_select ON example.inputs USING (example.input_assigned(app_id, id));
    ALTER POLICY labeler_select ON example.concepts USING (example.concept_assigned(app_id, id));
    ALTER POLICY labeler_select ON example.annotations USING (example.input_assigned(app_id, input_id));
    ALTER POLICY labeler_insert ON example.annotations
        WITH CHECK (example.input_assigned(app_id, input_id)
                    AND (concept_id IS NULL OR example.concept_assigned(app_id, concept_id))
                    AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
    ALTER POLICY labeler_update ON example.annotations
        USING (example.input_assigned(app_id, input_id) AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id())
        WITH CHECK (example.input_assigned(app_id, input_id)
                    AND (concept_id IS NULL OR example.concept_assigned(app_id, concept_id))
                    AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
    ALTER POLICY labeler_delete ON example.annotations
        USING (example.input_assigned(app_id, input_id) AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());

    -- a deployment (an app's row) names a nodepool (an org's row): no
    -- foreign key between tables distributed by different columns
    ALTER TABLE example.deployments DROP CONSTRAINT IF EXISTS deployments_org_id_nodepool_id_fkey;

    v_saved := ARRAY(SELECT current_setting(x) FROM unnest(v_settings) x);
    FOR i IN 1 .. array_length(v_settings, 1) LOOP
        PERFORM set_config(v_settings[i], v_values[i], true);
    END LOOP;
    -- the triggers off for the copy, on every node (each one's state is
    -- restored at the end)
    v_triggers := orgs_internal.disable_triggers(v_all);

    -- each table after the tables of the schema it refers to
    v_done := orgs_internal.foreign_key_order(v_all, 'pg_orgs_example');
    FOREACH v_next IN ARRAY v_done LOOP
        v_name := (SELECT c.relname FROM pg_class c WHERE c.oid = v_next);
        IF v_name = ANY (v_by_org) THEN
            EXECUTE 'SELECT pg_catalog.create_distributed_table($1, ''org_id'', colocate_with => $2)'
                USING v_next, coalesce(v_first_org::text, 'none');
            v_first_org := coalesce(v_first_org, v_next);
        ELSE
            EXECUTE 'SELECT pg_catalog.create_distributed_table($1, ''app_id'', colocate_with => $2)'
                USING v_next, coalesce(v_first_app::text, 'none');
            v_first_app := coalesce(v_first_app, v_next);
        END IF;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(v_triggers, 1), 0) LOOP
        EXECUTE v_triggers[i];
    END LOOP;
    -- the rows the tables still hold themselves (on this node only)
    v_srr := current_setting('session_replication_role');
    PERFORM set_config('session_replication_role', 'replica', true);
    FOREACH v_next IN ARRAY v_done LOOP
        EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING v_next;
    END LOOP;
    PERFORM set_config('session_replication_role', v_srr, true);

    FOR i IN 1 .. array_length(v_settings, 1) LOOP
        PERFORM set_config(v_settings[i], v_saved[i], true);
    END LOOP;
    -- now that nothing outside Citus refers to them, the tables of pg_orgs
    -- drop the rows they hold themselves
    PERFORM orgs.citus_setup();
END;
$$;
COMMENT ON FUNCTION example.distribute() IS
    'On a Citus cluster, after orgs.citus_setup() (a superuser, on the coordinator): distribute the app-scoped tables by app_id and the org-scoped tables by org_id (each group co-located), drop the foreign key from deployments to nodepools, and move the row scope of tasks.work to per-row checks. Existing rows are copied.';
REVOKE ALL ON FUNCTION example.distribute() FROM PUBLIC;

