-- pg_orgs_example: the reference multi-tenant schema of pg_orgs.
--
-- The resources of an AI platform's organization (Clarifai-like orgs, apps
-- and teams), each table guarded by row-level security built from the
-- permission model of pg_orgs (docs/permissions.md):
--
--   app-scoped tables   (app_id -> orgs.apps.id)        orgs.protect_table
--   org-scoped tables   (org_id -> orgs.organizations.id) orgs.protect_org_table
--
-- plus the extra policies that one bit per (user, app) cannot express:
-- the row scope of tasks.work (a Labeler Worker sees only the tasks
-- assigned to them, only those tasks' inputs and concepts, and writes
-- annotations only on those inputs), and the names of one's team mates
-- under team_members.view.
--
-- Every table has row-level security enabled and forced.  Privileges are
-- granted to PUBLIC: the policies decide, and with no acting user
-- (orgs.act_as / orgs.link_db_role) no row is visible or writable.  A
-- command with no policy (for example writes to the metering tables of the
-- Control Center) is refused to everyone but superusers and roles with
-- BYPASSRLS, which is how the platform's own jobs load that data.
--
-- Decisions taken here (the permission model is silent on them):
--   * UPDATE of a module needs modules.create; UPDATE of a deployment
--     (scaling, moving to another nodepool) needs deployments.create.
--   * Changing the visibility column of a model, workflow or dataset, or
--     creating one that is not private, needs resources.visibility on top
--     of the table's write permission.
--   * A Labeler Worker reads every annotation on the inputs of the tasks
--     assigned to them (to evaluate completed work) and inserts, updates
--     and deletes only the annotations they wrote themselves, on those
--     inputs, with those tasks' concepts.
--   * An assignee without tasks.edit may change only the status and the
--     progress of an assigned task, and may add progress reports
--     (task_events) to it; task analytics (task_events) need
--     tasks.analytics.
--   * A labeling task's inputs and concepts (task_inputs, task_concepts)
--     are changed with tasks.edit; its assignees with tasks.assign.
--   * Control Center data (overview, usage, costs, invoices) is written by
--     the platform only; budgets are written with control_center.costs.
\echo Use "CREATE EXTENSION pg_orgs_example" to load this file. \quit

-- The extension's schema must be under the control of the role installing
-- it alone: a schema "example" owned by another role, or in which other
-- roles may create objects, or holding objects, is refused (its owner could drop the
-- tables or change what the policies call).
DO $$
DECLARE
    v_why text;
BEGIN
    SELECT CASE
             WHEN n.nspowner OPERATOR(pg_catalog.<>)
                  (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
             THEN pg_catalog.format('it is owned by role %s, who could change what the extension''s functions call', n.nspowner::pg_catalog.regrole)
             WHEN EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a
                           WHERE a.grantee OPERATOR(pg_catalog.<>) n.nspowner
                             AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE')
             THEN 'other roles may create objects in it'
             WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
                             AND d.refobjid OPERATOR(pg_catalog.=) n.oid
                             AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_extension'::pg_catalog.regclass)
             THEN 'it holds objects'
           END INTO v_why
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) 'example';
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'schema "example" already exists'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = 'pg_orgs_example uses a schema "example" only if it was made by the role installing the extension, is empty and nobody else may create objects in it: ' || v_why || '.',
                  HINT = 'Drop or rename the existing schema "example", then run CREATE EXTENSION pg_orgs_example again.';
    END IF;
END;
$$;

COMMENT ON SCHEMA example IS
    'pg_orgs_example: the reference multi-tenant schema of pg_orgs, every table guarded by row-level security.';

--------------------------------------------------------------------------
-- Helpers
--------------------------------------------------------------------------

CREATE FUNCTION example.stamp_created_by()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_user bigint := orgs.current_user_id();
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF v_user IS NOT NULL THEN
            NEW.created_by := v_user;
        END IF;
    ELSE
        NEW.created_by := OLD.created_by;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION example.stamp_created_by() IS
    'Trigger: created_by is the acting user on INSERT (when there is one) and never changes afterwards.';

CREATE FUNCTION example.guard_resource_visibility()
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
COMMENT ON FUNCTION example.guard_resource_visibility() IS
    'Trigger: a resource that is not private, or a change of its visibility, needs resources.visibility on its app.';

--------------------------------------------------------------------------
-- Org-scoped resources: clusters and nodepools
--------------------------------------------------------------------------

CREATE TABLE example.clusters (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    org_id      bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    cluster_id  orgs.identifier NOT NULL,
    cloud       text NOT NULL DEFAULT 'aws',
    region      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, cluster_id)
);
COMMENT ON TABLE example.clusters IS
    'Compute clusters of an organization (clusters.view; written with clusters.manage).';

CREATE TABLE example.nodepools (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    org_id        bigint NOT NULL,
    cluster_id    bigint NOT NULL,
    nodepool_id   orgs.identifier NOT NULL,
    instance_type text NOT NULL,
    min_nodes     integer NOT NULL DEFAULT 0 CHECK (min_nodes OPERATOR(pg_catalog.>=) 0),
    max_nodes     integer NOT NULL DEFAULT 1 CHECK (max_nodes OPERATOR(pg_catalog.>=) min_nodes),
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, cluster_id, nodepool_id),
    FOREIGN KEY (org_id, cluster_id) REFERENCES example.clusters (org_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.nodepools IS
    'Nodepools of a cluster (clusters.view; written with clusters.manage).';

--------------------------------------------------------------------------
-- Control Center: Overview, Usage & Operations, Costs & Budget
--------------------------------------------------------------------------

CREATE TABLE example.overview_stats (
    org_id       bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    day          date NOT NULL,
    active_apps  integer NOT NULL DEFAULT 0,
    operations   bigint NOT NULL DEFAULT 0,
    spend_usd    numeric(14, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);
COMMENT ON TABLE example.overview_stats IS
    'Control Center tab "Overview": daily summary (control_center.overview; written by the platform).';

CREATE TABLE example.usage_records (
    org_id     bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    day        date NOT NULL,
    app_id     bigint REFERENCES orgs.apps (id) ON DELETE SET NULL,
    operation  text NOT NULL,
    count      bigint NOT NULL DEFAULT 0
);
CREATE INDEX usage_records_org_day_idx ON example.usage_records (org_id, day);
COMMENT ON TABLE example.usage_records IS
    'Control Center tab "Usage & Operations": operations per day and app (control_center.usage; written by the platform).';

CREATE TABLE example.cost_records (
    org_id     bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    month      date NOT NULL,
    category   text NOT NULL,
    amount_usd numeric(14, 2) NOT NULL,
    PRIMARY KEY (org_id, month, category)
);
COMMENT ON TABLE example.cost_records IS
    'Control Center tab "Costs & Budget": monthly costs by category (control_center.costs; written by the platform).';

CREATE TABLE example.budgets (
    id                bigint GENERATED ALWAYS AS IDENTITY,
    org_id            bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    name              text NOT NULL,
    monthly_limit_usd numeric(14, 2) NOT NULL CHECK (monthly_limit_usd OPERATOR(pg_catalog.>=) 0),
    alert_percent     integer NOT NULL DEFAULT 80
                      CHECK (alert_percent BETWEEN 1 AND 100),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);
COMMENT ON TABLE example.budgets IS
    'Control Center tab "Costs & Budget": budget settings (read and written with control_center.costs).';

CREATE TABLE example.invoices (
    org_id     bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    period     date NOT NULL,
    amount_usd numeric(14, 2) NOT NULL,
    status     text NOT NULL DEFAULT 'open'
               CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'paid', 'void'])),
    PRIMARY KEY (org_id, period)
);
COMMENT ON TABLE example.invoices IS
    'Invoices of the organization''s pricing plan: financial data (billing.view; written by the platform).';

--------------------------------------------------------------------------
-- App-scoped resources
--------------------------------------------------------------------------
-- Every table carries app_id, and its primary key starts with it
-- (app_id, id): the index the policies use, the target of composite
-- foreign keys that keep every reference inside one app (a row can never
-- point into another tenant), and, on a Citus cluster, the distribution
-- column, so that an app's rows live together (example.distribute()).

CREATE TABLE example.models (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text,
    visibility  text NOT NULL DEFAULT 'private'
                CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'public'])),
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.models IS 'Models of an app (models.view / create / edit / delete).';

CREATE TABLE example.model_versions (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL,
    model_id    bigint NOT NULL,
    version     integer NOT NULL,
    status      text NOT NULL DEFAULT 'training'
                CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['training', 'trained', 'failed'])),
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, model_id, version),
    FOREIGN KEY (app_id, model_id) REFERENCES example.models (app_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.model_versions IS
    'Trained versions of a model: training runs (models.view; created and updated with models.train, deleted with models.delete).';

CREATE TABLE example.model_metrics (
    app_id           bigint NOT NULL,
    model_version_id bigint NOT NULL,
    metric           text NOT NULL,
    value            double precision NOT NULL,
    PRIMARY KEY (app_id, model_version_id, metric),
    FOREIGN KEY (app_id, model_version_id) REFERENCES example.model_versions (app_id, id) ON DELETE CASCADE
);
CREATE INDEX model_metrics_app_id_idx ON example.model_metrics (app_id);
COMMENT ON TABLE example.model_metrics IS
    'Metrics and performance data of model versions (models.metrics; written by training, models.train).';

CREATE TABLE example.workflows (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name        text NOT NULL,
    visibility  text NOT NULL DEFAULT 'private'
                CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'public'])),
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.workflows IS 'Workflows of an app (workflows.view / create / edit / delete).';

CREATE TABLE example.base_workflows (
    app_id      bigint PRIMARY KEY REFERENCES orgs.apps (id) ON DELETE CASCADE,
    workflow_id bigint NOT NULL,
    FOREIGN KEY (app_id, workflow_id) REFERENCES example.workflows (app_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.base_workflows IS
    'The base workflow of each app (base_workflow.view; set and changed with base_workflow.edit).';

CREATE TABLE example.collaborators (
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES orgs.users (id) ON DELETE CASCADE,
    access      text NOT NULL DEFAULT 'view'
                CHECK (access OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'edit'])),
    PRIMARY KEY (app_id, user_id)
);
COMMENT ON TABLE example.collaborators IS
    'Outside collaborators of an app (collaborators.view; written with collaborators.edit).';

CREATE TABLE example.datasets (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name        text NOT NULL,
    visibility  text NOT NULL DEFAULT 'private'
                CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'public'])),
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.datasets IS 'Datasets of an app (datasets.view / create / edit / delete).';

CREATE TABLE example.inputs (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    dataset_id  bigint,
    url         text NOT NULL,
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    -- (a dataset's deletion sets dataset_id NULL: trigger detach_inputs;
    -- Citus refuses ON DELETE SET NULL in a key with the distribution column)
    FOREIGN KEY (app_id, dataset_id) REFERENCES example.datasets (app_id, id)
);
COMMENT ON TABLE example.inputs IS
    'Inputs (the data) of an app (inputs.view / create / edit / delete); a Labeler Worker reads only the inputs of tasks assigned to them.';

CREATE TABLE example.concepts (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name        text NOT NULL,
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.concepts IS
    'Concepts (labels) of an app (concepts.view / create / edit / delete); a Labeler Worker reads only the concepts of tasks assigned to them.';

CREATE TABLE example.tasks (
    id           bigint GENERATED ALWAYS AS IDENTITY,
    app_id       bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name         text NOT NULL,
    instructions text NOT NULL DEFAULT '',
    guidelines   text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'open'
                 CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'in_progress', 'completed'])),
    progress     integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    created_by   bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.tasks IS
    'Labeling tasks with their instructions and guidelines (tasks.view / create / edit / delete); assignees (tasks.work) read their tasks and update status and progress.';

CREATE TABLE example.task_assignees (
    app_id   bigint NOT NULL,
    task_id  bigint NOT NULL,
    user_id  bigint NOT NULL REFERENCES orgs.users (id) ON DELETE CASCADE,
    PRIMARY KEY (app_id, task_id, user_id),
    FOREIGN KEY (app_id, task_id) REFERENCES example.tasks (app_id, id) ON DELETE CASCADE
);
CREATE INDEX task_assignees_app_id_idx ON example.task_assignees (app_id);
CREATE INDEX task_assignees_user_id_idx ON example.task_assignees (user_id);
COMMENT ON TABLE example.task_assignees IS
    'Who works on a labeling task (tasks.view; written with tasks.assign); an assignee sees their own assignment.';

CREATE TABLE example.task_inputs (
    app_id   bigint NOT NULL,
    task_id  bigint NOT NULL,
    input_id bigint NOT NULL,
    PRIMARY KEY (app_id, task_id, input_id),
    FOREIGN KEY (app_id, task_id) REFERENCES example.tasks (app_id, id) ON DELETE CASCADE,
    FOREIGN KEY (app_id, input_id) REFERENCES example.inputs (app_id, id) ON DELETE CASCADE
);
CREATE INDEX task_inputs_app_id_idx ON example.task_inputs (app_id);
COMMENT ON TABLE example.task_inputs IS
    'The inputs a labeling task covers (tasks.view; written with tasks.edit); assignees see those of their tasks.';

CREATE TABLE example.task_concepts (
    app_id     bigint NOT NULL,
    task_id    bigint NOT NULL,
    concept_id bigint NOT NULL,
    PRIMARY KEY (app_id, task_id, concept_id),
    FOREIGN KEY (app_id, task_id) REFERENCES example.tasks (app_id, id) ON DELETE CASCADE,
    FOREIGN KEY (app_id, concept_id) REFERENCES example.concepts (app_id, id) ON DELETE CASCADE
);
CREATE INDEX task_concepts_app_id_idx ON example.task_concepts (app_id);
COMMENT ON TABLE example.task_concepts IS
    'The concepts a labeling task asks for (tasks.view; written with tasks.edit); assignees see those of their tasks.';

CREATE TABLE example.task_events (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL,
    task_id     bigint NOT NULL,
    kind        text NOT NULL
                CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['progress', 'review', 'note'])),
    detail      text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    FOREIGN KEY (app_id, task_id) REFERENCES example.tasks (app_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.task_events IS
    'Progress reports on labeling tasks, the source of task analytics (tasks.analytics; assignees add reports to their tasks; deleted with tasks.delete).';

CREATE TABLE example.annotations (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL,
    input_id    bigint NOT NULL,
    concept_id  bigint,
    value       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    FOREIGN KEY (app_id, input_id) REFERENCES example.inputs (app_id, id) ON DELETE CASCADE,
    FOREIGN KEY (app_id, concept_id) REFERENCES example.concepts (app_id, id) ON DELETE CASCADE
);
CREATE INDEX annotations_input_id_idx ON example.annotations (input_id);
COMMENT ON TABLE example.annotations IS
    'Annotations of inputs (annotations.view / create / edit / delete); Labeler Workers write their own on the inputs of their tasks.';

CREATE TABLE example.annotation_reviews (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    app_id        bigint NOT NULL,
    annotation_id bigint NOT NULL,
    verdict       text CHECK (verdict OPERATOR(pg_catalog.=) ANY (ARRAY['accepted', 'rejected'])),
    feedback      text,
    created_by    bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    FOREIGN KEY (app_id, annotation_id) REFERENCES example.annotations (app_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.annotation_reviews IS
    'Reviews of and feedback on annotations (annotations.view; written with annotations.review or annotations.feedback).';

CREATE TABLE example.modules (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    name        text NOT NULL,
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, name)
);
COMMENT ON TABLE example.modules IS
    'Modules built in an app (modules.use; created and changed with modules.create, deleted with modules.delete).';

CREATE TABLE example.module_installs (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    app_id      bigint NOT NULL REFERENCES orgs.apps (id) ON DELETE CASCADE,
    module_url  text NOT NULL,
    version     text NOT NULL DEFAULT 'latest',
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    PRIMARY KEY (app_id, id),
    UNIQUE (app_id, module_url)
);
COMMENT ON TABLE example.module_installs IS
    'Modules installed into an app (modules.use; installed, updated and uninstalled with modules.install).';

CREATE TABLE example.deployments (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    org_id      bigint NOT NULL,
    app_id      bigint NOT NULL,
    model_id    bigint NOT NULL,
    nodepool_id bigint NOT NULL,
    replicas    integer NOT NULL DEFAULT 1 CHECK (replicas OPERATOR(pg_catalog.>=) 0),
    created_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (app_id, id),
    FOREIGN KEY (org_id, app_id) REFERENCES orgs.apps (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (app_id, model_id) REFERENCES example.models (app_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, nodepool_id) REFERENCES example.nodepools (org_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE example.deployments IS
    'Models of an app deployed into nodepools of the app''s organization (deployments.view / create / delete; UPDATE needs deployments.create). An app with deployments cannot leave its organization.';

--------------------------------------------------------------------------
-- Triggers
--------------------------------------------------------------------------

CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.models
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.model_versions
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.workflows
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.datasets
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.inputs
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.concepts
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.tasks
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.task_events
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.annotations
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.annotation_reviews
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.modules
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.module_installs
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();
CREATE TRIGGER stamp_created_by BEFORE INSERT OR UPDATE ON example.deployments
    FOR EACH ROW EXECUTE FUNCTION example.stamp_created_by();

CREATE TRIGGER guard_visibility BEFORE INSERT OR UPDATE ON example.models
    FOR EACH ROW EXECUTE FUNCTION example.guard_resource_visibility();
CREATE TRIGGER guard_visibility BEFORE INSERT OR UPDATE ON example.workflows
    FOR EACH ROW EXECUTE FUNCTION example.guard_resource_visibility();
CREATE TRIGGER guard_visibility BEFORE INSERT OR UPDATE ON example.datasets
    FOR EACH ROW EXECUTE FUNCTION example.guard_resource_visibility();

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

CREATE FUNCTION example.guard_task_update()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF orgs.current_user_id() IS NOT NULL
       AND NOT coalesce(orgs.has_app_permission(OLD.app_id, 'tasks.edit'), false)
       AND (to_jsonb(NEW) - 'status' - 'progress') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'progress') THEN
        RAISE EXCEPTION 'permission denied to edit task "%"', OLD.name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Without permission "tasks.edit", an assignee can change only the status and the progress of a task.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION example.guard_task_update() IS
    'Trigger: without tasks.edit only status and progress of a task may change (assignees working on it).';

CREATE TRIGGER guard_task_update BEFORE UPDATE ON example.tasks
    FOR EACH ROW EXECUTE FUNCTION example.guard_task_update();

--------------------------------------------------------------------------
-- Row scope of tasks.work (Labeler Workers) and of team_members.view
--------------------------------------------------------------------------
-- These read the assignment tables as the extension owner, so that the
-- policies below do not recurse through each other's row-level security;
-- each is computed once per statement ((SELECT f()) in the policies).

CREATE FUNCTION example.assigned_task_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT ta.task_id), '{}')
              FROM example.task_assignees ta
             WHERE ta.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
               AND ta.app_id OPERATOR(pg_catalog.=) ANY (orgs.apps_with_permission('tasks.work')));
END;
COMMENT ON FUNCTION example.assigned_task_ids() IS
    'Keys of the labeling tasks assigned to the acting user in apps where the user holds tasks.work.';

CREATE FUNCTION example.assigned_input_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT ti.input_id), '{}')
              FROM example.task_inputs ti
             WHERE ti.task_id OPERATOR(pg_catalog.=) ANY (example.assigned_task_ids()));
END;
COMMENT ON FUNCTION example.assigned_input_ids() IS
    'Keys of the inputs of the labeling tasks assigned to the acting user (tasks.work).';

CREATE FUNCTION example.assigned_concept_ids()
RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT coalesce(array_agg(DISTINCT tc.concept_id), '{}')
              FROM example.task_concepts tc
             WHERE tc.task_id OPERATOR(pg_catalog.=) ANY (example.assigned_task_ids()));
END;
COMMENT ON FUNCTION example.assigned_concept_ids() IS
    'Keys of the concepts of the labeling tasks assigned to the acting user (tasks.work).';

CREATE FUNCTION example.name_visible_team_ids()
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
COMMENT ON FUNCTION example.name_visible_team_ids() IS
    'Keys of the acting user''s teams whose members'' names the user may see: teams holding an app on which the user has team_members.view.';

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

CREATE VIEW example.team_member_names WITH (security_barrier) AS
SELECT n.org_id, n.team_id, n.user_handle, n.first_name, n.last_name
  FROM example.team_member_names_rows() AS n;
COMMENT ON VIEW example.team_member_names IS
    'First and last names of the members of the acting user''s teams, for teams holding an app on which the user has team_members.view (Labeler Leads, Full Access).';

--------------------------------------------------------------------------
-- Row-level security
--------------------------------------------------------------------------

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

-- The row scope of tasks.work: extra permissive policies, ORed with the
-- ones above.  A user holding tasks.view on the app sees every task anyway.

CREATE POLICY labeler_select ON example.tasks FOR SELECT TO PUBLIC
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.tasks IS
    'tasks.work: an assignee reads the task, its instructions and guidelines.';
CREATE POLICY labeler_update ON example.tasks FOR UPDATE TO PUBLIC
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[]))
    WITH CHECK (id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_update ON example.tasks IS
    'tasks.work: an assignee updates the status and progress of the task (trigger guard_task_update keeps the rest).';

CREATE POLICY labeler_select ON example.task_assignees FOR SELECT TO PUBLIC
    USING (task_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[])
           AND user_id OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY labeler_select ON example.task_assignees IS
    'tasks.work: an assignee sees their own assignments.';

CREATE POLICY labeler_select ON example.task_inputs FOR SELECT TO PUBLIC
    USING (task_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.task_inputs IS
    'tasks.work: an assignee sees which inputs the task covers.';

CREATE POLICY labeler_select ON example.task_concepts FOR SELECT TO PUBLIC
    USING (task_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.task_concepts IS
    'tasks.work: an assignee sees which concepts the task asks for.';

CREATE POLICY labeler_insert ON example.task_events FOR INSERT TO PUBLIC
    WITH CHECK (task_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_task_ids())::pg_catalog.int8[])
                AND kind OPERATOR(pg_catalog.=) 'progress'
                AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY labeler_insert ON example.task_events IS
    'tasks.work: an assignee adds progress reports to the task.';

CREATE POLICY labeler_select ON example.inputs FOR SELECT TO PUBLIC
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.inputs IS
    'tasks.work: an assignee reads the inputs of the task.';

CREATE POLICY labeler_select ON example.concepts FOR SELECT TO PUBLIC
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_concept_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.concepts IS
    'tasks.work: an assignee reads the concepts of the task.';

CREATE POLICY labeler_select ON example.annotations FOR SELECT TO PUBLIC
    USING (input_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[]));
COMMENT ON POLICY labeler_select ON example.annotations IS
    'tasks.work: an assignee reads the annotations of the task''s inputs, to evaluate completed work.';
CREATE POLICY labeler_insert ON example.annotations FOR INSERT TO PUBLIC
    WITH CHECK (input_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[])
                AND (concept_id IS NULL
                     OR concept_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_concept_ids())::pg_catalog.int8[]))
                AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY labeler_insert ON example.annotations IS
    'tasks.work: an assignee annotates the task''s inputs with the task''s concepts.';
CREATE POLICY labeler_update ON example.annotations FOR UPDATE TO PUBLIC
    USING (input_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[])
           AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id())
    WITH CHECK (input_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[])
                AND (concept_id IS NULL
                     OR concept_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_concept_ids())::pg_catalog.int8[]))
                AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY labeler_update ON example.annotations IS
    'tasks.work: an assignee changes their own annotations on the task''s inputs.';
CREATE POLICY labeler_delete ON example.annotations FOR DELETE TO PUBLIC
    USING (input_id OPERATOR(pg_catalog.=) ANY ((SELECT example.assigned_input_ids())::pg_catalog.int8[])
           AND created_by OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY labeler_delete ON example.annotations IS
    'tasks.work: an assignee deletes their own annotations on the task''s inputs.';

DO $$
DECLARE
    v record;
BEGIN
    FOR v IN
        SELECT t.tgname, t.tgrelid::pg_catalog.regclass AS rel
          FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.tgrelid
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'example'::pg_catalog.regnamespace AND NOT t.tgisinternal
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER %I ON %s IS %L', v.tgname, v.rel,
            CASE v.tgname
                WHEN 'stamp_created_by' THEN 'created_by is the acting user, and never changes.'
                WHEN 'guard_visibility' THEN 'A resource that is not private needs resources.visibility.'
                WHEN 'guard_task_update' THEN 'Without tasks.edit, only status and progress change.'
                WHEN 'detach_inputs' THEN 'The inputs of a deleted dataset stay, without a dataset.'
            END);
    END LOOP;
END;
$$;

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

--------------------------------------------------------------------------
-- Privileges and pg_dump
--------------------------------------------------------------------------

GRANT USAGE ON SCHEMA example TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA example TO PUBLIC;
REVOKE INSERT, UPDATE, DELETE ON example.team_member_names FROM PUBLIC;
-- The row-scope functions stay executable by PUBLIC: policies call them as
-- the querying user, and each answers only about the acting user.

-- pg_dump keeps the rows of every table and the identity sequences' positions.
DO $$
DECLARE
    v_rel pg_catalog.regclass;
BEGIN
    FOR v_rel IN
        SELECT c.oid::pg_catalog.regclass FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'example'::pg_catalog.regnamespace
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'S']::"char"[])
         ORDER BY c.relname
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(v_rel, '');
    END LOOP;
END;
$$;
