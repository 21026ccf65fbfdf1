--
-- Row-level security conformance of the reference schema (pg_orgs_example).
--
-- For every org role, and for a team contributor in a team of every level,
-- acting through orgs.act_as as an ordinary role, really run SELECT,
-- INSERT, UPDATE and DELETE (and a few extra statements) on every table of
-- the reference schema, plus the API calls and checks for the rows of the
-- seed's scope table that are not about a table, and compare each outcome
-- with the expectation written below by hand from PERMISSIONS.md.
--
-- Outcome symbols:  a number   rows counted (SELECT) or affected (writes)
--                   d          refused with 42501 (insufficient_privilege)
--                   n          refused with 42704 (reported as not existing)
--                   v          refused with 55000 (a read-only view)
--                   E<state>   any other error (never expected)
-- Every write runs in a subtransaction that is rolled back, so each case
-- sees the same seed.  The whole test runs in one transaction, rolled back
-- at the end.
--
-- The world: org rls-acme with apps vision (A) and nlp (B); org rls-other
-- with app misc (C), whose admin is the outsider.  Teams of rls-acme hold
-- app A: full (full_access), trainer (model_trainer), lead (labeler_lead),
-- worker (labeler_worker), spare (no app, no member).
--
-- Actors (columns of the expectation):
--   adm rls-admin     admin (also in teams lead and worker)
--   fin rls-finance   financial_manager
--   con rls-contrib   org_contributor
--   usr rls-user      org_user
--   tcn rls-teamless  team_contributor in no team
--   inf rls-infra     infrastructure_manager
--   ful rls-full      team_contributor in team full     (full_access on A)
--   trn rls-trainer   team_contributor in team trainer  (model_trainer on A)
--   lea rls-lead      team_contributor in team lead     (labeler_lead on A)
--   wrk rls-worker    team_contributor in team worker   (labeler_worker on A)
--   out rls-outsider  admin of rls-other, not a member of rls-acme
--
-- Row counts of the seed per app (A / B / C) or org (acme / other):
--   clusters 2/1, nodepools 2/1, overview_stats 2/1, usage_records 3/1,
--   cost_records 2/1, budgets 1/1, invoices 2/1;
--   models 3/1/1, model_versions 2/1/1, model_metrics 2/1/1,
--   workflows 2/1/1, base_workflows 1/1/1, collaborators 1/1/1,
--   datasets 2/1/1, inputs 3/1/1 (i-a1..i-a3), concepts 2/1/1 (c-a1, c-a2),
--   tasks 2/1/1 (t-a1: inputs i-a1, concept c-a1, assigned to worker and
--   lead; t-a2: i-a2, c-a2, assigned to full), task_assignees 3/1/1,
--   task_inputs 2/1/1, task_concepts 2/1/1, task_events 2/1/1,
--   annotations 3/1/1 (on i-a1 by lead, on i-a1 by worker, on i-a2 by
--   full), annotation_reviews 1/1/1, modules 1/1/1, module_installs 1/1/1,
--   deployments 1/1/1.
--
BEGIN;
CREATE EXTENSION pg_orgs_example;
CREATE ROLE regress_rls_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_rls_app;

--------------------------------------------------------------------------
-- Seed, as superuser
--------------------------------------------------------------------------
SELECT count(*) AS users FROM (
    SELECT orgs.register_user(h, h || '@example.com', f, l)
      FROM (VALUES ('rls-admin', 'Ada', 'Admin'), ('rls-finance', 'Fina', 'Money'),
                   ('rls-contrib', 'Con', 'Tributor'), ('rls-user', 'Uma', 'User'),
                   ('rls-teamless', 'Tess', 'Less'), ('rls-infra', 'Ingo', 'Infra'),
                   ('rls-full', 'Fulla', 'Access'), ('rls-trainer', 'Trina', 'Trainer'),
                   ('rls-lead', 'Lea', 'Lead'), ('rls-worker', 'Wim', 'Worker'),
                   ('rls-outsider', 'Otto', 'Side'), ('rls-collab', 'Col', 'Lab')) AS u(h, f, l)) s;

INSERT INTO orgs.organizations (org_id, name) VALUES ('rls-acme', 'Acme AI'), ('rls-other', 'Other Corp');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, m.role::orgs.org_role
  FROM (VALUES ('rls-acme', 'rls-admin', 'admin'), ('rls-acme', 'rls-finance', 'financial_manager'),
               ('rls-acme', 'rls-contrib', 'org_contributor'), ('rls-acme', 'rls-user', 'org_user'),
               ('rls-acme', 'rls-teamless', 'team_contributor'),
               ('rls-acme', 'rls-infra', 'infrastructure_manager'),
               ('rls-acme', 'rls-full', 'team_contributor'), ('rls-acme', 'rls-trainer', 'team_contributor'),
               ('rls-acme', 'rls-lead', 'team_contributor'), ('rls-acme', 'rls-worker', 'team_contributor'),
               ('rls-other', 'rls-outsider', 'admin')) AS m(o, u, role)
  JOIN orgs.organizations o ON o.org_id = m.o
  JOIN orgs.users u ON u.handle = m.u;
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, a.app FROM (VALUES ('rls-acme', 'vision'), ('rls-acme', 'nlp'), ('rls-other', 'misc')) AS a(o, app)
  JOIN orgs.organizations o ON o.org_id = a.o;
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT o.id, t.t, initcap(t.t), t.l::orgs.team_permission
  FROM (VALUES ('full', 'full_access'), ('trainer', 'model_trainer'), ('lead', 'labeler_lead'),
               ('worker', 'labeler_worker'), ('spare', 'labeler_worker')) AS t(t, l)
  CROSS JOIN orgs.organizations o WHERE o.org_id = 'rls-acme';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id
  FROM (VALUES ('full', 'rls-full'), ('trainer', 'rls-trainer'), ('lead', 'rls-lead'),
               ('lead', 'rls-admin'), ('worker', 'rls-worker'), ('worker', 'rls-admin')) AS m(t, u)
  JOIN orgs.teams t ON t.team_id = m.t
  JOIN orgs.users u ON u.handle = m.u;
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id AND a.app_id = 'vision'
 WHERE t.team_id <> 'spare';

-- Keys, as tokens for the statements below.
CREATE TEMP TABLE rls_ids (token text PRIMARY KEY, id bigint NOT NULL);
INSERT INTO rls_ids
SELECT '{A}', id FROM orgs.apps WHERE app_id = 'vision' UNION ALL
SELECT '{B}', id FROM orgs.apps WHERE app_id = 'nlp' UNION ALL
SELECT '{C}', id FROM orgs.apps WHERE app_id = 'misc' UNION ALL
SELECT '{acme}', id FROM orgs.organizations WHERE org_id = 'rls-acme' UNION ALL
SELECT '{other}', id FROM orgs.organizations WHERE org_id = 'rls-other' UNION ALL
SELECT '{' || handle || '}', id FROM orgs.users WHERE handle LIKE 'rls-%';
CREATE FUNCTION pg_temp.k(token text) RETURNS bigint LANGUAGE sql
    RETURN (SELECT id FROM rls_ids WHERE rls_ids.token = k.token);

-- Org-scoped data.
INSERT INTO example.clusters (org_id, cluster_id, region)
VALUES (pg_temp.k('{acme}'), 'cl-a1', 'us-east-1'), (pg_temp.k('{acme}'), 'cl-a2', 'eu-west-1'), (pg_temp.k('{other}'), 'cl-c1', 'us-west-2');
INSERT INTO example.nodepools (org_id, cluster_id, nodepool_id, instance_type)
SELECT c.org_id, c.id, replace(c.cluster_id, 'cl', 'np'), 'g5.xlarge' FROM example.clusters c;
INSERT INTO example.overview_stats (org_id, day, active_apps, operations, spend_usd)
VALUES (pg_temp.k('{acme}'), '2024-05-01', 2, 1200, 31.50), (pg_temp.k('{acme}'), '2024-05-02', 2, 900, 22.10),
       (pg_temp.k('{other}'), '2024-05-01', 1, 10, 0.20);
INSERT INTO example.usage_records (org_id, day, app_id, operation, count)
VALUES (pg_temp.k('{acme}'), '2024-05-01', pg_temp.k('{A}'), 'predict', 1000), (pg_temp.k('{acme}'), '2024-05-01', pg_temp.k('{B}'), 'predict', 200),
       (pg_temp.k('{acme}'), '2024-05-02', pg_temp.k('{A}'), 'train', 3), (pg_temp.k('{other}'), '2024-05-01', pg_temp.k('{C}'), 'predict', 10);
INSERT INTO example.cost_records (org_id, month, category, amount_usd)
VALUES (pg_temp.k('{acme}'), '2024-05-01', 'compute', 40.00), (pg_temp.k('{acme}'), '2024-05-01', 'storage', 13.60),
       (pg_temp.k('{other}'), '2024-05-01', 'compute', 0.20);
INSERT INTO example.budgets (org_id, name, monthly_limit_usd)
VALUES (pg_temp.k('{acme}'), 'monthly', 500), (pg_temp.k('{other}'), 'monthly', 10);
INSERT INTO example.invoices (org_id, period, amount_usd, status)
VALUES (pg_temp.k('{acme}'), '2024-04-01', 48.00, 'paid'), (pg_temp.k('{acme}'), '2024-05-01', 53.60, 'open'),
       (pg_temp.k('{other}'), '2024-05-01', 0.20, 'open');

-- App-scoped data: rows of A are "-a<n>", of B "-b1", of C "-c1".
INSERT INTO example.models (app_id, name, created_by)
VALUES (pg_temp.k('{A}'), 'm-a1', pg_temp.k('{rls-admin}')), (pg_temp.k('{A}'), 'm-a2', pg_temp.k('{rls-admin}')),
       (pg_temp.k('{A}'), 'm-a3', pg_temp.k('{rls-admin}')), (pg_temp.k('{B}'), 'm-b1', pg_temp.k('{rls-admin}')),
       (pg_temp.k('{C}'), 'm-c1', pg_temp.k('{rls-outsider}'));
INSERT INTO example.model_versions (app_id, model_id, version, status)
SELECT app_id, id, 1, 'trained' FROM example.models WHERE name <> 'm-a3';
INSERT INTO example.model_metrics (app_id, model_version_id, metric, value)
SELECT app_id, id, 'accuracy', 0.9 FROM example.model_versions;
INSERT INTO example.workflows (app_id, name)
VALUES (pg_temp.k('{A}'), 'w-a1'), (pg_temp.k('{A}'), 'w-a2'), (pg_temp.k('{B}'), 'w-b1'), (pg_temp.k('{C}'), 'w-c1');
INSERT INTO example.base_workflows (app_id, workflow_id)
SELECT app_id, id FROM example.workflows WHERE name IN ('w-a1', 'w-b1', 'w-c1');
INSERT INTO example.collaborators (app_id, user_id)
VALUES (pg_temp.k('{A}'), pg_temp.k('{rls-collab}')), (pg_temp.k('{B}'), pg_temp.k('{rls-collab}')), (pg_temp.k('{C}'), pg_temp.k('{rls-collab}'));
INSERT INTO example.datasets (app_id, name)
VALUES (pg_temp.k('{A}'), 'd-a1'), (pg_temp.k('{A}'), 'd-a2'), (pg_temp.k('{B}'), 'd-b1'), (pg_temp.k('{C}'), 'd-c1');
INSERT INTO example.inputs (app_id, dataset_id, url)
VALUES (pg_temp.k('{A}'), (SELECT id FROM example.datasets WHERE name = 'd-a1'), 'i-a1'),
       (pg_temp.k('{A}'), (SELECT id FROM example.datasets WHERE name = 'd-a1'), 'i-a2'),
       (pg_temp.k('{A}'), NULL, 'i-a3'), (pg_temp.k('{B}'), NULL, 'i-b1'), (pg_temp.k('{C}'), NULL, 'i-c1');
INSERT INTO example.concepts (app_id, name)
VALUES (pg_temp.k('{A}'), 'c-a1'), (pg_temp.k('{A}'), 'c-a2'), (pg_temp.k('{B}'), 'c-b1'), (pg_temp.k('{C}'), 'c-c1');
INSERT INTO example.tasks (app_id, name, instructions, guidelines)
VALUES (pg_temp.k('{A}'), 't-a1', 'Draw boxes around cats.', 'Tight boxes.'),
       (pg_temp.k('{A}'), 't-a2', 'Tag dogs.', 'One tag per dog.'),
       (pg_temp.k('{B}'), 't-b1', 'Classify intents.', ''), (pg_temp.k('{C}'), 't-c1', 'Misc.', '');
INSERT INTO example.task_assignees (app_id, task_id, user_id)
SELECT t.app_id, t.id, pg_temp.k('{' || a.u || '}')
  FROM (VALUES ('t-a1', 'rls-worker'), ('t-a1', 'rls-lead'), ('t-a2', 'rls-full'),
               ('t-b1', 'rls-admin'), ('t-c1', 'rls-outsider')) AS a(t, u)
  JOIN example.tasks t ON t.name = a.t;
INSERT INTO example.task_inputs (app_id, task_id, input_id)
SELECT t.app_id, t.id, i.id
  FROM example.tasks t JOIN example.inputs i ON i.url = replace(t.name, 't-', 'i-');
INSERT INTO example.task_concepts (app_id, task_id, concept_id)
SELECT t.app_id, t.id, c.id
  FROM example.tasks t JOIN example.concepts c ON c.name = replace(t.name, 't-', 'c-');
INSERT INTO example.task_events (app_id, task_id, kind, detail, created_by)
SELECT t.app_id, t.id, 'progress', '10%', a.user_id
  FROM example.tasks t
  JOIN LATERAL (SELECT min(user_id) AS user_id FROM example.task_assignees a WHERE a.task_id = t.id) a ON true;
INSERT INTO example.annotations (app_id, input_id, concept_id, value, created_by)
SELECT i.app_id, i.id, c.id, jsonb_build_object('n', x.n), pg_temp.k('{' || x.u || '}')
  FROM (VALUES ('ann-1', 'i-a1', 'c-a1', 'rls-lead'), ('ann-2', 'i-a1', 'c-a1', 'rls-worker'),
               ('ann-3', 'i-a2', 'c-a2', 'rls-full'), ('ann-4', 'i-b1', 'c-b1', 'rls-admin'),
               ('ann-5', 'i-c1', 'c-c1', 'rls-outsider')) AS x(n, i, c, u)
  JOIN example.inputs i ON i.url = x.i
  JOIN example.concepts c ON c.name = x.c;
INSERT INTO example.annotation_reviews (app_id, annotation_id, verdict, feedback, created_by)
SELECT a.app_id, a.id, 'accepted', 'Good.', pg_temp.k('{rls-lead}')
  FROM example.annotations a WHERE a.value->>'n' IN ('ann-2', 'ann-4', 'ann-5');
INSERT INTO example.modules (app_id, name)
VALUES (pg_temp.k('{A}'), 'mod-a1'), (pg_temp.k('{B}'), 'mod-b1'), (pg_temp.k('{C}'), 'mod-c1');
INSERT INTO example.module_installs (app_id, module_url)
VALUES (pg_temp.k('{A}'), 'https://example.com/mod/x'), (pg_temp.k('{B}'), 'https://example.com/mod/x'),
       (pg_temp.k('{C}'), 'https://example.com/mod/x');
INSERT INTO example.deployments (org_id, app_id, model_id, nodepool_id)
SELECT a.org_id, m.app_id, m.id, n.id
  FROM (VALUES ('m-a1', 'np-a1'), ('m-b1', 'np-a2'), ('m-c1', 'np-c1')) AS d(m, n)
  JOIN example.models m ON m.name = d.m
  JOIN orgs.apps a ON a.id = m.app_id
  JOIN example.nodepools n ON n.nodepool_id = d.n;

INSERT INTO rls_ids
SELECT '{' || name || '}', id FROM example.models UNION ALL
SELECT '{v:' || m.name || '}', v.id FROM example.model_versions v JOIN example.models m ON m.id = v.model_id UNION ALL
SELECT '{' || name || '}', id FROM example.workflows UNION ALL
SELECT '{' || url || '}', id FROM example.inputs UNION ALL
SELECT '{' || name || '}', id FROM example.concepts UNION ALL
SELECT '{' || name || '}', id FROM example.tasks UNION ALL
SELECT '{' || (value->>'n') || '}', id FROM example.annotations UNION ALL
SELECT '{' || cluster_id || '}', id FROM example.clusters UNION ALL
SELECT '{' || nodepool_id || '}', id FROM example.nodepools;

--------------------------------------------------------------------------
-- The cases: one statement each, tokens replaced by keys
--------------------------------------------------------------------------
CREATE TEMP TABLE rls_cases (ord serial, tbl text, op text, stmt text, PRIMARY KEY (tbl, op));
INSERT INTO rls_cases (tbl, op, stmt) VALUES
('clusters', 'select', 'SELECT count(*) FROM example.clusters'),
('clusters', 'insert', 'INSERT INTO example.clusters (org_id, cluster_id, region) VALUES ({acme}, ''cl-new'', ''us-east-2'')'),
('clusters', 'update', 'UPDATE example.clusters SET region = region'),
('clusters', 'delete', 'DELETE FROM example.clusters'),
('nodepools', 'select', 'SELECT count(*) FROM example.nodepools'),
('nodepools', 'insert', 'INSERT INTO example.nodepools (org_id, cluster_id, nodepool_id, instance_type) VALUES ({acme}, {cl-a1}, ''np-new'', ''t3.large'')'),
('nodepools', 'update', 'UPDATE example.nodepools SET max_nodes = max_nodes'),
('nodepools', 'delete', 'DELETE FROM example.nodepools'),
('overview_stats', 'select', 'SELECT count(*) FROM example.overview_stats'),
('overview_stats', 'insert', 'INSERT INTO example.overview_stats (org_id, day) VALUES ({acme}, ''2024-05-03'')'),
('overview_stats', 'update', 'UPDATE example.overview_stats SET operations = operations'),
('overview_stats', 'delete', 'DELETE FROM example.overview_stats'),
('usage_records', 'select', 'SELECT count(*) FROM example.usage_records'),
('usage_records', 'insert', 'INSERT INTO example.usage_records (org_id, day, operation) VALUES ({acme}, ''2024-05-03'', ''predict'')'),
('usage_records', 'update', 'UPDATE example.usage_records SET count = count'),
('usage_records', 'delete', 'DELETE FROM example.usage_records'),
('cost_records', 'select', 'SELECT count(*) FROM example.cost_records'),
('cost_records', 'insert', 'INSERT INTO example.cost_records (org_id, month, category, amount_usd) VALUES ({acme}, ''2024-06-01'', ''compute'', 1)'),
('cost_records', 'update', 'UPDATE example.cost_records SET amount_usd = amount_usd'),
('cost_records', 'delete', 'DELETE FROM example.cost_records'),
('budgets', 'select', 'SELECT count(*) FROM example.budgets'),
('budgets', 'insert', 'INSERT INTO example.budgets (org_id, name, monthly_limit_usd) VALUES ({acme}, ''gpu'', 100)'),
('budgets', 'update', 'UPDATE example.budgets SET monthly_limit_usd = monthly_limit_usd'),
('budgets', 'delete', 'DELETE FROM example.budgets'),
('invoices', 'select', 'SELECT count(*) FROM example.invoices'),
('invoices', 'insert', 'INSERT INTO example.invoices (org_id, period, amount_usd) VALUES ({acme}, ''2024-06-01'', 1)'),
('invoices', 'update', 'UPDATE example.invoices SET status = status'),
('invoices', 'delete', 'DELETE FROM example.invoices'),
('models', 'select', 'SELECT count(*) FROM example.models'),
('models', 'insert', 'INSERT INTO example.models (app_id, name) VALUES ({A}, ''m-new'')'),
('models', 'update', 'UPDATE example.models SET name = name'),
('models', 'delete', 'DELETE FROM example.models'),
('models', 'move', 'UPDATE example.models SET app_id = {B} WHERE id = {m-a3}'),
('models', 'visibility', 'UPDATE example.models SET visibility = ''public'' WHERE app_id = {A}'),
('model_versions', 'select', 'SELECT count(*) FROM example.model_versions'),
('model_versions', 'insert', 'INSERT INTO example.model_versions (app_id, model_id, version) VALUES ({A}, {m-a3}, 1)'),
('model_versions', 'update', 'UPDATE example.model_versions SET status = status'),
('model_versions', 'delete', 'DELETE FROM example.model_versions'),
('model_metrics', 'select', 'SELECT count(*) FROM example.model_metrics'),
('model_metrics', 'insert', 'INSERT INTO example.model_metrics (app_id, model_version_id, metric, value) VALUES ({A}, {v:m-a2}, ''f1'', 0.8)'),
('model_metrics', 'update', 'UPDATE example.model_metrics SET value = value'),
('model_metrics', 'delete', 'DELETE FROM example.model_metrics'),
('workflows', 'select', 'SELECT count(*) FROM example.workflows'),
('workflows', 'insert', 'INSERT INTO example.workflows (app_id, name) VALUES ({A}, ''w-new'')'),
('workflows', 'update', 'UPDATE example.workflows SET name = name'),
('workflows', 'delete', 'DELETE FROM example.workflows'),
('base_workflows', 'select', 'SELECT count(*) FROM example.base_workflows'),
('base_workflows', 'insert', 'INSERT INTO example.base_workflows (app_id, workflow_id) VALUES ({A}, {w-a2}) ON CONFLICT (app_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id'),
('base_workflows', 'update', 'UPDATE example.base_workflows SET workflow_id = workflow_id'),
('base_workflows', 'delete', 'DELETE FROM example.base_workflows'),
('collaborators', 'select', 'SELECT count(*) FROM example.collaborators'),
('collaborators', 'insert', 'INSERT INTO example.collaborators (app_id, user_id) VALUES ({A}, {rls-outsider})'),
('collaborators', 'update', 'UPDATE example.collaborators SET access = access'),
('collaborators', 'delete', 'DELETE FROM example.collaborators'),
('datasets', 'select', 'SELECT count(*) FROM example.datasets'),
('datasets', 'insert', 'INSERT INTO example.datasets (app_id, name) VALUES ({A}, ''d-new'')'),
('datasets', 'update', 'UPDATE example.datasets SET name = name'),
('datasets', 'delete', 'DELETE FROM example.datasets'),
('inputs', 'select', 'SELECT count(*) FROM example.inputs'),
('inputs', 'insert', 'INSERT INTO example.inputs (app_id, url) VALUES ({A}, ''i-new'')'),
('inputs', 'update', 'UPDATE example.inputs SET url = url'),
('inputs', 'delete', 'DELETE FROM example.inputs'),
('concepts', 'select', 'SELECT count(*) FROM example.concepts'),
('concepts', 'insert', 'INSERT INTO example.concepts (app_id, name) VALUES ({A}, ''c-new'')'),
('concepts', 'update', 'UPDATE example.concepts SET name = name'),
('concepts', 'delete', 'DELETE FROM example.concepts'),
('tasks', 'select', 'SELECT count(*) FROM example.tasks'),
('tasks', 'insert', 'INSERT INTO example.tasks (app_id, name) VALUES ({A}, ''t-new'')'),
('tasks', 'update', 'UPDATE example.tasks SET status = status'),
('tasks', 'delete', 'DELETE FROM example.tasks'),
('tasks', 'progress', 'UPDATE example.tasks SET status = ''in_progress'', progress = 50 WHERE id = {t-a1}'),
('tasks', 'edit_text', 'UPDATE example.tasks SET instructions = instructions || '' (v2)'' WHERE app_id = {A}'),
('task_assignees', 'select', 'SELECT count(*) FROM example.task_assignees'),
('task_assignees', 'insert', 'INSERT INTO example.task_assignees (app_id, task_id, user_id) VALUES ({A}, {t-a2}, {rls-worker})'),
('task_assignees', 'update', 'UPDATE example.task_assignees SET user_id = user_id'),
('task_assignees', 'delete', 'DELETE FROM example.task_assignees'),
('task_inputs', 'select', 'SELECT count(*) FROM example.task_inputs'),
('task_inputs', 'insert', 'INSERT INTO example.task_inputs (app_id, task_id, input_id) VALUES ({A}, {t-a2}, {i-a3})'),
('task_inputs', 'update', 'UPDATE example.task_inputs SET input_id = input_id'),
('task_inputs', 'delete', 'DELETE FROM example.task_inputs'),
('task_concepts', 'select', 'SELECT count(*) FROM example.task_concepts'),
('task_concepts', 'insert', 'INSERT INTO example.task_concepts (app_id, task_id, concept_id) VALUES ({A}, {t-a2}, {c-a1})'),
('task_concepts', 'update', 'UPDATE example.task_concepts SET concept_id = concept_id'),
('task_concepts', 'delete', 'DELETE FROM example.task_concepts'),
('task_events', 'select', 'SELECT count(*) FROM example.task_events'),
('task_events', 'insert', 'INSERT INTO example.task_events (app_id, task_id, kind, detail) VALUES ({A}, {t-a1}, ''progress'', ''50%'')'),
('task_events', 'update', 'UPDATE example.task_events SET detail = detail'),
('task_events', 'delete', 'DELETE FROM example.task_events'),
('annotations', 'select', 'SELECT count(*) FROM example.annotations'),
('annotations', 'insert', 'INSERT INTO example.annotations (app_id, input_id, concept_id) VALUES ({A}, {i-a1}, {c-a1})'),
('annotations', 'insert_other_task', 'INSERT INTO example.annotations (app_id, input_id, concept_id) VALUES ({A}, {i-a2}, {c-a2})'),
('annotations', 'update', 'UPDATE example.annotations SET value = value'),
('annotations', 'delete', 'DELETE FROM example.annotations'),
('annotation_reviews', 'select', 'SELECT count(*) FROM example.annotation_reviews'),
('annotation_reviews', 'insert', 'INSERT INTO example.annotation_reviews (app_id, annotation_id, verdict) VALUES ({A}, {ann-1}, ''rejected'')'),
('annotation_reviews', 'update', 'UPDATE example.annotation_reviews SET feedback = ''Fix the box.'''),
('annotation_reviews', 'delete', 'DELETE FROM example.annotation_reviews'),
('modules', 'select', 'SELECT count(*) FROM example.modules'),
('modules', 'insert', 'INSERT INTO example.modules (app_id, name) VALUES ({A}, ''mod-new'')'),
('modules', 'update', 'UPDATE example.modules SET name = name'),
('modules', 'delete', 'DELETE FROM example.modules'),
('module_installs', 'select', 'SELECT count(*) FROM example.module_installs'),
('module_installs', 'insert', 'INSERT INTO example.module_installs (app_id, module_url) VALUES ({A}, ''https://example.com/mod/y'')'),
('module_installs', 'update', 'UPDATE example.module_installs SET version = version'),
('module_installs', 'delete', 'DELETE FROM example.module_installs'),
('deployments', 'select', 'SELECT count(*) FROM example.deployments'),
('deployments', 'insert', 'INSERT INTO example.deployments (org_id, app_id, model_id, nodepool_id) VALUES ({acme}, {A}, {m-a2}, {np-a1})'),
('deployments', 'update', 'UPDATE example.deployments SET replicas = replicas'),
('deployments', 'delete', 'DELETE FROM example.deployments'),
('team_member_names', 'select', 'SELECT count(*) FROM example.team_member_names'),
('team_member_names', 'insert', 'INSERT INTO example.team_member_names (user_handle) VALUES (''x'')'),
('team_member_names', 'update', 'UPDATE example.team_member_names SET first_name = first_name'),
('team_member_names', 'delete', 'DELETE FROM example.team_member_names'),
-- Scope-table rows that are not about a table: the API, or the engine.
('api', 'invite', 'SELECT count(*) FROM orgs.invite(''rls-acme'', ''rls-new@example.com'', ''org_user'')'),
('api', 'set_member_role', 'SELECT count(*) FROM (SELECT orgs.set_member_role(''rls-acme'', ''rls-user'', ''team_contributor'')) s'),
('api', 'remove_member', 'SELECT count(*) FROM (SELECT orgs.remove_member(''rls-acme'', ''rls-teamless'')) s'),
('api', 'create_team', 'SELECT count(*) FROM (SELECT orgs.create_team(''rls-acme'', ''new-team'', ''New team'', ''labeler_worker'')) s'),
('api', 'rename_team', 'SELECT count(*) FROM (SELECT orgs.rename_team(''rls-acme'', ''spare'', ''Spare team'')) s'),
('api', 'delete_team', 'SELECT count(*) FROM (SELECT orgs.delete_team(''rls-acme'', ''spare'')) s'),
('api', 'add_team_member', 'SELECT count(*) FROM (SELECT orgs.add_team_member(''rls-acme'', ''spare'', ''rls-user'')) s'),
('api', 'add_team_app', 'SELECT count(*) FROM (SELECT orgs.add_team_app(''rls-acme'', ''spare'', ''rls-acme/vision'', ''labeler_worker'')) s'),
('api', 'create_app', 'SELECT count(*) FROM (SELECT orgs.create_app(''rls-acme'', ''new-app'')) s'),
('api', 'delete_app', 'SELECT count(*) FROM (SELECT orgs.delete_app(''rls-acme/vision'')) s'),
('check', 'app.edit_id', 'SELECT count(*) WHERE orgs.has_app_permission({A}, ''app.edit_id'')'),
('check', 'app.edit_description', 'SELECT count(*) WHERE orgs.has_app_permission({A}, ''app.edit_description'')'),
('check', 'app.edit_notes', 'SELECT count(*) WHERE orgs.has_app_permission({A}, ''app.edit_notes'')'),
('check', 'app.visibility', 'SELECT count(*) WHERE orgs.has_app_permission({A}, ''app.visibility'')');

-- Replace the tokens; a token left over is a mistake in this file.
UPDATE rls_cases c SET stmt = (
    SELECT coalesce((SELECT string_agg(CASE WHEN p ~ '^\{.*\}$' THEN coalesce(pg_temp.k(p)::text, 'UNRESOLVED' || p) ELSE p END, '' ORDER BY o)
                       FROM regexp_split_to_table(regexp_replace(c.stmt, '(\{[^{}]*\})', E'\x01\\1\x01', 'g'), E'\x01')
                            WITH ORDINALITY AS t(p, o)), 'unresolved'));
SELECT tbl, op, stmt FROM rls_cases WHERE stmt ~ 'UNRESOLVED|unresolved' OR stmt IS NULL;

--------------------------------------------------------------------------
-- The expectation, from PERMISSIONS.md (see the header for the symbols)
--------------------------------------------------------------------------
CREATE TEMP TABLE rls_actors (ord int, code text, handle text);
INSERT INTO rls_actors VALUES
    (1, 'adm', 'rls-admin'), (2, 'fin', 'rls-finance'), (3, 'con', 'rls-contrib'),
    (4, 'usr', 'rls-user'), (5, 'tcn', 'rls-teamless'), (6, 'inf', 'rls-infra'),
    (7, 'ful', 'rls-full'), (8, 'trn', 'rls-trainer'), (9, 'lea', 'rls-lead'),
    (10, 'wrk', 'rls-worker'), (11, 'out', 'rls-outsider');

CREATE TEMP TABLE rls_expected (tbl text, op text, actor text, want text);
INSERT INTO rls_expected
SELECT f[1], f[2], a.code, f[2 + a.ord]
  FROM regexp_split_to_table($$
# table              op                 adm fin con usr tcn inf ful trn lea wrk out
# Org level.  clusters.view: admin, org_contributor, org_user, infra, and
# anyone with app-level clusters.view (full_access, model_trainer).
clusters             select             2   0   2   2   0   2   2   2   0   0   1
clusters             insert             1   d   d   d   d   1   d   d   d   d   d
clusters             update             2   0   0   0   0   2   0   0   0   0   1
clusters             delete             2   0   0   0   0   2   0   0   0   0   1
nodepools            select             2   0   2   2   0   2   2   2   0   0   1
nodepools            insert             1   d   d   d   d   1   d   d   d   d   d
nodepools            update             2   0   0   0   0   2   0   0   0   0   1
nodepools            delete             2   0   0   0   0   2   0   0   0   0   1
# Control Center tabs: admin and financial manager; written by the platform only.
overview_stats       select             2   2   0   0   0   0   0   0   0   0   1
overview_stats       insert             d   d   d   d   d   d   d   d   d   d   d
overview_stats       update             0   0   0   0   0   0   0   0   0   0   0
overview_stats       delete             0   0   0   0   0   0   0   0   0   0   0
usage_records        select             3   3   0   0   0   0   0   0   0   0   1
usage_records        insert             d   d   d   d   d   d   d   d   d   d   d
usage_records        update             0   0   0   0   0   0   0   0   0   0   0
usage_records        delete             0   0   0   0   0   0   0   0   0   0   0
cost_records         select             2   2   0   0   0   0   0   0   0   0   1
cost_records         insert             d   d   d   d   d   d   d   d   d   d   d
cost_records         update             0   0   0   0   0   0   0   0   0   0   0
cost_records         delete             0   0   0   0   0   0   0   0   0   0   0
budgets              select             1   1   0   0   0   0   0   0   0   0   1
budgets              insert             1   1   d   d   d   d   d   d   d   d   d
budgets              update             1   1   0   0   0   0   0   0   0   0   1
budgets              delete             1   1   0   0   0   0   0   0   0   0   1
invoices             select             2   2   0   0   0   0   0   0   0   0   1
invoices             insert             d   d   d   d   d   d   d   d   d   d   d
invoices             update             0   0   0   0   0   0   0   0   0   0   0
invoices             delete             0   0   0   0   0   0   0   0   0   0   0
# App level.  Baselines on A and B: admin, org_contributor all; org_user the
# view set V; infra deployments.* and clusters.view.  Teams give A only.
models               select             4   0   4   4   0   0   3   3   0   0   1
models               insert             1   d   1   d   d   d   1   1   d   d   d
models               update             4   0   4   0   0   0   3   3   0   0   1
models               delete             4   0   4   0   0   0   3   3   0   0   1
models               move               1   0   1   0   0   0   d   d   0   0   0
models               visibility         3   0   3   0   0   0   3   d   0   0   0
model_versions       select             3   0   3   3   0   0   2   2   0   0   1
model_versions       insert             1   d   1   d   d   d   1   1   d   d   d
model_versions       update             3   0   3   0   0   0   2   2   0   0   1
model_versions       delete             3   0   3   0   0   0   2   2   0   0   1
model_metrics        select             3   0   3   3   0   0   2   2   0   0   1
model_metrics        insert             1   d   1   d   d   d   1   1   d   d   d
model_metrics        update             3   0   3   0   0   0   2   2   0   0   1
model_metrics        delete             3   0   3   0   0   0   2   2   0   0   1
workflows            select             3   0   3   3   0   0   2   0   0   0   1
workflows            insert             1   d   1   d   d   d   1   d   d   d   d
workflows            update             3   0   3   0   0   0   2   0   0   0   1
workflows            delete             3   0   3   0   0   0   2   0   0   0   1
# base_workflow.edit and collaborators.edit are in the admin set X: the
# ceiling of team_contributor keeps them from full_access.
base_workflows       select             2   0   2   2   0   0   1   0   0   0   1
base_workflows       insert             1   d   1   d   d   d   d   d   d   d   d
base_workflows       update             2   0   2   0   0   0   0   0   0   0   1
base_workflows       delete             2   0   2   0   0   0   0   0   0   0   1
collaborators        select             2   0   2   2   0   0   1   0   0   0   1
collaborators        insert             1   d   1   d   d   d   d   d   d   d   d
collaborators        update             2   0   2   0   0   0   0   0   0   0   1
collaborators        delete             2   0   2   0   0   0   0   0   0   0   1
datasets             select             3   0   3   3   0   0   2   2   2   0   1
datasets             insert             1   d   1   d   d   d   1   d   d   d   d
datasets             update             3   0   3   0   0   0   2   0   0   0   1
datasets             delete             3   0   3   0   0   0   2   0   0   0   1
# Labeler Worker row scope: inputs and concepts of t-a1 only (i-a1, c-a1).
inputs               select             4   0   4   4   0   0   3   3   3   1   1
inputs               insert             1   d   1   d   d   d   1   d   d   d   d
inputs               update             4   0   4   0   0   0   3   0   0   0   1
inputs               delete             4   0   4   0   0   0   3   0   0   0   1
concepts             select             3   0   3   3   0   0   2   2   2   1   1
concepts             insert             1   d   1   d   d   d   1   d   1   d   d
concepts             update             3   0   3   0   0   0   2   0   2   0   1
concepts             delete             3   0   3   0   0   0   2   0   2   0   1
tasks                select             3   0   3   3   0   0   2   0   2   1   1
tasks                insert             1   d   1   d   d   d   1   d   1   d   d
tasks                update             3   0   3   0   0   0   2   0   2   1   1
tasks                delete             3   0   3   0   0   0   2   0   0   0   1
tasks                progress           1   0   1   0   0   0   1   0   1   1   0
tasks                edit_text          2   0   2   0   0   0   2   0   2   d   0
task_assignees       select             4   0   4   4   0   0   3   0   3   1   1
task_assignees       insert             1   d   1   d   d   d   1   d   1   d   d
task_assignees       update             4   0   4   0   0   0   3   0   3   0   1
task_assignees       delete             4   0   4   0   0   0   3   0   3   0   1
task_inputs          select             3   0   3   3   0   0   2   0   2   1   1
task_inputs          insert             1   d   1   d   d   d   1   d   1   d   d
task_inputs          update             3   0   3   0   0   0   2   0   2   0   1
task_inputs          delete             3   0   3   0   0   0   2   0   2   0   1
task_concepts        select             3   0   3   3   0   0   2   0   2   1   1
task_concepts        insert             1   d   1   d   d   d   1   d   1   d   d
task_concepts        update             3   0   3   0   0   0   2   0   2   0   1
task_concepts        delete             3   0   3   0   0   0   2   0   2   0   1
# task_events: analytics (tasks.analytics) and progress reports.
task_events          select             3   0   3   0   0   0   2   0   2   0   1
task_events          insert             1   d   1   d   d   d   1   d   1   1   d
task_events          update             0   0   0   0   0   0   0   0   0   0   0
task_events          delete             3   0   3   0   0   0   2   0   0   0   1
# The lead is assigned to t-a1 too: it writes its own annotations there.
annotations          select             4   0   4   4   0   0   3   0   3   2   1
annotations          insert             1   d   1   d   d   d   1   d   1   1   d
annotations          insert_other_task  1   d   1   d   d   d   1   d   d   d   d
annotations          update             4   0   4   0   0   0   3   0   1   1   1
annotations          delete             4   0   4   0   0   0   3   0   1   1   1
annotation_reviews   select             2   0   2   2   0   0   1   0   1   0   1
annotation_reviews   insert             1   d   1   d   d   d   1   d   1   d   d
annotation_reviews   update             2   0   2   0   0   0   1   0   1   0   1
annotation_reviews   delete             2   0   2   0   0   0   1   0   1   0   1
modules              select             2   0   2   2   0   0   1   0   0   0   1
modules              insert             1   d   1   d   d   d   1   d   d   d   d
modules              update             2   0   2   0   0   0   1   0   0   0   1
modules              delete             2   0   2   0   0   0   1   0   0   0   1
module_installs      select             2   0   2   2   0   0   1   0   0   0   1
module_installs      insert             1   d   1   d   d   d   1   d   d   d   d
module_installs      update             2   0   2   0   0   0   1   0   0   0   1
module_installs      delete             2   0   2   0   0   0   1   0   0   0   1
# deployments.*: not in V (org_user), in infra's baseline and model_trainer.
deployments          select             2   0   2   0   0   2   1   1   0   0   1
deployments          insert             1   d   1   d   d   1   1   1   d   d   d
deployments          update             2   0   2   0   0   2   1   1   0   0   1
deployments          delete             2   0   2   0   0   2   1   1   0   0   1
# Names of the members of one's teams holding an app with team_members.view:
# admin is in lead and worker (2 + 2), the lead sees lead, full sees itself.
team_member_names    select             4   0   0   0   0   0   1   0   2   0   0
team_member_names    insert             v   v   v   v   v   v   v   v   v   v   v
team_member_names    update             v   v   v   v   v   v   v   v   v   v   v
team_member_names    delete             v   v   v   v   v   v   v   v   v   v   v
# API: every rls-acme member sees the org (org.view), so lacking the
# permission is 42501; the outsider does not see it (42704).
api                  invite             1   d   d   d   d   d   d   d   d   d   n
api                  set_member_role    1   d   d   d   d   d   d   d   d   d   n
api                  remove_member      1   d   d   d   d   d   d   d   d   d   n
api                  create_team        1   d   1   d   d   d   d   d   d   d   n
api                  rename_team        1   d   1   d   d   d   d   d   d   d   n
api                  delete_team        1   d   1   d   d   d   d   d   d   d   n
api                  add_team_member    1   d   1   d   d   d   d   d   d   d   n
api                  add_team_app       1   d   1   d   d   d   d   d   d   d   n
api                  create_app         1   d   1   d   d   d   d   d   d   d   n
# delete_app: app A is invisible (42704) without any permission on it; the
# infrastructure manager holds deployments.* on it, so sees it (42501).
api                  delete_app         1   n   1   d   n   d   d   d   d   d   n
check                app.edit_id        1   0   1   0   0   0   0   0   0   0   0
check                app.edit_description 1 0   1   0   0   0   1   0   0   0   0
check                app.edit_notes     1   0   1   0   0   0   1   0   0   0   0
check                app.visibility     1   0   1   0   0   0   0   0   0   0   0
$$, E'\n') AS line,
       LATERAL regexp_split_to_array(btrim(line), '\s+') AS f,
       rls_actors a
 WHERE btrim(line) <> '' AND line !~ '^#';

--------------------------------------------------------------------------
-- Run every case as every actor, as an ordinary role
--------------------------------------------------------------------------
CREATE TEMP TABLE rls_results (actor text, tbl text, op text, got text, sqlstate text, message text);
GRANT SELECT ON rls_cases, rls_actors TO regress_rls_app;
GRANT INSERT ON rls_results TO regress_rls_app;

CREATE FUNCTION pg_temp.rls_run() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    c record;
    n bigint;
    v_state text;
    v_msg text;
    v_runs bigint := 0;
BEGIN
    FOR a IN SELECT * FROM rls_actors ORDER BY ord LOOP
        PERFORM orgs.act_as(a.handle);
        FOR c IN SELECT * FROM rls_cases ORDER BY ord LOOP
            BEGIN
                IF c.stmt ~ '^SELECT' THEN
                    EXECUTE c.stmt INTO n;
                ELSE
                    EXECUTE c.stmt;
                    GET DIAGNOSTICS n = ROW_COUNT;
                END IF;
                -- undo whatever the statement did
                RAISE EXCEPTION USING ERRCODE = 'RLS00', MESSAGE = n::text;
            EXCEPTION
                WHEN SQLSTATE 'RLS00' THEN
                    v_state := NULL;
                    v_msg := SQLERRM;
                WHEN OTHERS THEN
                    v_state := SQLSTATE;
                    v_msg := SQLERRM;
            END;
            INSERT INTO rls_results VALUES (
                a.code, c.tbl, c.op,
                CASE WHEN v_state IS NULL THEN v_msg
                     WHEN v_state = '42501' THEN 'd'
                     WHEN v_state = '42704' THEN 'n'
                     WHEN v_state = '55000' THEN 'v'
                     ELSE 'E' || v_state END,
                v_state, v_msg);
            v_runs := v_runs + 1;
        END LOOP;
    END LOOP;
    PERFORM orgs.act_as(NULL);
    RETURN v_runs;
END;
$$;

SET LOCAL ROLE regress_rls_app;
SELECT current_user, pg_temp.rls_run() AS statements_run;
RESET ROLE;

--------------------------------------------------------------------------
-- Results
--------------------------------------------------------------------------
-- Summary: every (case, actor) has an expectation and matches it.
SELECT count(*) AS outcomes,
       count(*) FILTER (WHERE e.want = r.got) AS as_expected,
       count(*) FILTER (WHERE e.want IS DISTINCT FROM r.got) AS mismatches,
       count(*) FILTER (WHERE e.want IS NULL) AS without_expectation,
       count(*) FILTER (WHERE r.got IS NULL) AS never_run,
       count(DISTINCT r.tbl || '.' || r.op) AS cases,
       count(DISTINCT r.tbl) FILTER (WHERE r.tbl NOT IN ('api', 'check')) AS relations
  FROM rls_results r FULL JOIN rls_expected e USING (tbl, op, actor);

-- Mismatches (none expected).
SELECT tbl, op, actor, e.want AS expected, r.got, r.message
  FROM rls_results r FULL JOIN rls_expected e USING (tbl, op, actor)
 WHERE e.want IS DISTINCT FROM r.got
 ORDER BY tbl, op, actor;

-- The refusals, by message: 42501 must come from row-level security, from
-- the schema's triggers or from the API, never from a missing GRANT.
SELECT sqlstate, message, count(*) AS outcomes
  FROM rls_results WHERE sqlstate IS NOT NULL
 GROUP BY sqlstate, message
 ORDER BY sqlstate, message;

-- Every relation of the reference schema is in the cases, with all four commands.
SELECT c.relname AS relation_without_all_four_commands
  FROM pg_class c
 WHERE c.relnamespace = 'example'::regnamespace AND c.relkind IN ('r', 'v')
   AND (SELECT count(*) FROM rls_cases x
         WHERE x.tbl = c.relname AND x.op IN ('select', 'insert', 'update', 'delete')) <> 4;

-- Every table of the reference schema has row-level security enabled and forced.
SELECT c.relname AS table_without_forced_rls
  FROM pg_class c
 WHERE c.relnamespace = 'example'::regnamespace AND c.relkind = 'r'
   AND NOT (c.relrowsecurity AND c.relforcerowsecurity);

-- What each actor got, in the layout of the expectation.
SELECT r.tbl, r.op, string_agg(rpad(r.got, 3), ' ' ORDER BY a.ord) AS "adm fin con usr tcn inf ful trn lea wrk out"
  FROM rls_results r JOIN rls_actors a ON a.code = r.actor
  JOIN rls_cases c ON c.tbl = r.tbl AND c.op = r.op
 GROUP BY r.tbl, r.op, c.ord
 ORDER BY c.ord;

--------------------------------------------------------------------------
-- Coverage: which case exercised each row of the seed's tables
--------------------------------------------------------------------------
CREATE TEMP TABLE rls_coverage (ord serial, source text, row_label text, cases text[]);
INSERT INTO rls_coverage (source, row_label, cases) VALUES
('scopes', 'View Sidebar Items', '{models.select,workflows.select,datasets.select,inputs.select,concepts.select,modules.select}'),
('scopes', 'Create Models', '{models.insert}'),
('scopes', 'Create Workflows', '{workflows.insert}'),
('scopes', 'Edit App ID', '{check.app.edit_id}'),
('scopes', 'Edit App Description', '{check.app.edit_description}'),
('scopes', 'Edit App Notes', '{check.app.edit_notes}'),
('scopes', 'View Collaborators', '{collaborators.select}'),
('scopes', 'Edit Collaborators', '{collaborators.insert,collaborators.update,collaborators.delete}'),
('scopes', 'Base Workflow View', '{base_workflows.select}'),
('scopes', 'Base Workflow Edit', '{base_workflows.insert,base_workflows.update,base_workflows.delete}'),
('scopes', 'Delete All Models', '{models.delete}'),
('scopes', 'Delete App', '{api.delete_app}'),
('scopes', 'Invite / Modify / Delete Members', '{api.invite,api.set_member_role,api.remove_member}'),
('scopes', 'Create / Edit / Delete Teams', '{api.create_team,api.rename_team,api.delete_team}'),
('scopes', 'Add Members to Teams', '{api.add_team_member}'),
('scopes', 'Add Apps to Teams', '{api.add_team_app}'),
('scopes', 'Create Apps', '{api.create_app}'),
('scopes', 'Change Visibility of Apps', '{check.app.visibility}'),
('scopes', 'Change Visibility of Apps Resources', '{models.visibility}'),
('scopes', 'Use Modules', '{modules.select,module_installs.select}'),
('scopes', 'Create / Delete Modules', '{modules.insert,modules.delete}'),
('scopes', 'Install / Uninstall Modules', '{module_installs.insert,module_installs.delete}'),
('scopes', 'Create / Edit / Delete Clusters and Nodepools', '{clusters.insert,clusters.update,clusters.delete,nodepools.insert,nodepools.update,nodepools.delete}'),
('scopes', 'Deploy and View Models in Clusters', '{deployments.insert,deployments.select}'),
('scopes', 'View Clusters and Nodepools', '{clusters.select,nodepools.select}'),
('scopes', 'View Financial Data', '{invoices.select,cost_records.select}'),
-- Team levels: the level's column is the team member of that level.
('full_access (ful)', 'Access to all app features and functionalities', '{models.select,workflows.select,inputs.select,datasets.select,concepts.select,annotations.select,tasks.select,modules.select,deployments.select}'),
('full_access (ful)', 'Full CRUD operations on all resources', '{models.insert,models.update,models.delete,workflows.insert,inputs.insert,inputs.update,inputs.delete,annotations.insert,annotations.update,annotations.delete}'),
('model_trainer (trn)', 'View all models', '{models.select}'),
('model_trainer (trn)', 'Create, update, delete models', '{models.insert,models.update,models.delete}'),
('model_trainer (trn)', 'Train models', '{model_versions.insert,model_versions.update}'),
('model_trainer (trn)', 'Access model metrics & performance data', '{model_metrics.select}'),
('model_trainer (trn)', 'View inputs & concepts', '{inputs.select,concepts.select}'),
('model_trainer (trn)', 'Access datasets', '{datasets.select}'),
('model_trainer (trn)', 'Deploy and view models in clusters', '{deployments.insert,deployments.select}'),
('model_trainer (trn)', 'View clusters and nodepools', '{clusters.select,nodepools.select}'),
('labeler_lead (lea)', 'All Labeler Worker permissions', '{tasks.progress,annotations.insert,task_events.insert}'),
('labeler_lead (lea)', 'Create labeling tasks', '{tasks.insert,task_inputs.insert,task_concepts.insert}'),
('labeler_lead (lea)', 'Assign tasks', '{task_assignees.insert}'),
('labeler_lead (lea)', 'Monitor task progress', '{tasks.select,task_assignees.select}'),
('labeler_lead (lea)', 'View team member details (first/last names)', '{team_member_names.select}'),
('labeler_lead (lea)', 'Access task analytics', '{task_events.select}'),
('labeler_lead (lea)', 'Review annotations', '{annotations.select,annotation_reviews.insert}'),
('labeler_lead (lea)', 'Provide feedback', '{annotation_reviews.update}'),
('labeler_lead (lea)', 'Create, modify, delete concepts', '{concepts.insert,concepts.update,concepts.delete}'),
('labeler_worker (wrk)', 'Access assigned labeling tasks', '{tasks.select,task_assignees.select}'),
('labeler_worker (wrk)', 'Read access to: concepts within tasks, input data for assigned tasks, task instructions, and guidelines', '{concepts.select,inputs.select,task_concepts.select,task_inputs.select}'),
('labeler_worker (wrk)', 'Write access to: annotations, task status updates, progress reports', '{annotations.insert,annotations.insert_other_task,annotations.update,tasks.progress,tasks.edit_text,task_events.insert}'),
('labeler_worker (wrk)', 'Evaluate & assess completed work for quality and consistency', '{annotations.select}');

-- For a scope row: the cases (each run as all 11 actors).  For a team level
-- row: the cases with the outcome of that level's team member.
SELECT v.source, v.row_label,
       string_agg(x.c || CASE WHEN v.source = 'scopes' THEN ''
                              ELSE ' = ' || coalesce(r.got, 'NOT RUN') END,
                  ', ' ORDER BY x.o) AS exercised_by
  FROM rls_coverage v
  CROSS JOIN LATERAL unnest(v.cases) WITH ORDINALITY AS x(c, o)
  LEFT JOIN rls_results r
         ON r.tbl || '.' || r.op = x.c
        AND r.actor = CASE WHEN v.source = 'scopes' THEN 'adm' ELSE substring(v.source from '\((\w+)\)') END
 GROUP BY v.ord, v.source, v.row_label
 ORDER BY v.ord;

-- Completeness: all 26 scope rows and all 4 levels, every listed case run.
SELECT count(*) FILTER (WHERE source = 'scopes') AS scope_rows,
       count(DISTINCT source) FILTER (WHERE source <> 'scopes') AS team_levels,
       (SELECT count(*) FROM rls_coverage v, unnest(v.cases) c
         WHERE NOT EXISTS (SELECT 1 FROM rls_results r WHERE r.tbl || '.' || r.op = c)) AS cases_not_run
  FROM rls_coverage;

ROLLBACK;
