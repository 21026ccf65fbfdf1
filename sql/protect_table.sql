--
-- orgs.protect_table, orgs.protect_org_table, orgs.unprotect_table
--
-- Everything runs in one transaction, rolled back at the end; a failing
-- statement is rolled back alone (ON_ERROR_ROLLBACK) so that the errors
-- can be shown in line (without CONTEXT lines, which name PL/pgSQL line numbers).
--
\set ON_ERROR_ROLLBACK on
\set SHOW_CONTEXT never
BEGIN;
CREATE ROLE regress_pt_owner NOLOGIN;
CREATE ROLE regress_pt_stranger NOLOGIN;
CREATE ROLE regress_pt_app NOLOGIN;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_pt_app;
CREATE SCHEMA regress_pt AUTHORIZATION regress_pt_owner;
GRANT USAGE ON SCHEMA regress_pt TO PUBLIC;

-- Users, two orgs, apps.  pt-bob is an org_user of pt-acme (views on every
-- app) and a team contributor in pt-beta with a model_trainer team on beta/a1.
SELECT count(*) FROM (SELECT orgs.register_user(h, h || '@example.com')
                        FROM unnest(ARRAY['pt-alice', 'pt-bob', 'pt-carol']) AS h) s;
INSERT INTO orgs.organizations (org_id, name) VALUES ('pt-acme', 'Acme'), ('pt-beta', 'Beta');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, m.r::orgs.org_role
  FROM (VALUES ('pt-acme', 'pt-alice', 'admin'), ('pt-acme', 'pt-bob', 'org_user'),
               ('pt-beta', 'pt-carol', 'admin'), ('pt-beta', 'pt-bob', 'team_contributor'),
               ('pt-beta', 'pt-alice', 'infrastructure_manager')) AS m(o, u, r)
  JOIN orgs.organizations o ON o.org_id = m.o JOIN orgs.users u ON u.handle = m.u;
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, a FROM orgs.organizations o, unnest(ARRAY['a1', 'a2']) AS a
 WHERE o.org_id IN ('pt-acme', 'pt-beta');
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT id, 'trainers', 'Trainers', 'model_trainer' FROM orgs.organizations WHERE org_id = 'pt-beta';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_id = 'trainers' AND u.handle = 'pt-bob';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, 'model_trainer' FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id
 WHERE t.team_id = 'trainers' AND a.app_id = 'a1';
CREATE TEMP TABLE pt_ids AS
SELECT o.org_id || '/' || a.app_id AS name, a.id FROM orgs.apps a JOIN orgs.organizations o ON o.id = a.org_id
 WHERE o.org_id LIKE 'pt-%'
UNION ALL
SELECT org_id, id FROM orgs.organizations WHERE org_id LIKE 'pt-%';
GRANT SELECT ON pt_ids TO PUBLIC;

-- The application's tables, owned by regress_pt_owner.
SET ROLE regress_pt_owner;
CREATE TABLE regress_pt.models (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id  bigint NOT NULL,
    name    text NOT NULL,
    archived boolean NOT NULL DEFAULT false,
    small_app integer
);
CREATE INDEX models_app_id_idx ON regress_pt.models (app_id);
CREATE TABLE regress_pt.clusters (id bigint GENERATED ALWAYS AS IDENTITY, org_id bigint NOT NULL, name text);
CREATE VIEW regress_pt.models_view AS SELECT * FROM regress_pt.models;
GRANT SELECT, INSERT, UPDATE, DELETE ON regress_pt.models, regress_pt.clusters TO regress_pt_app;
INSERT INTO regress_pt.models (app_id, name)
SELECT p.id, p.name || ' model ' || g FROM pt_ids p, generate_series(1, 2) g WHERE p.name LIKE '%/%';
INSERT INTO regress_pt.clusters (org_id, name) SELECT id, name || ' cluster' FROM pt_ids WHERE name NOT LIKE '%/%';
RESET ROLE;

--------------------------------------------------------------------------
-- Refusals
--------------------------------------------------------------------------
-- Only the owner (or a superuser) may protect or unprotect a table.
SET ROLE regress_pt_stranger;
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'models');
SELECT orgs.protect_org_table('regress_pt.clusters', 'org_id');
SELECT orgs.unprotect_table('regress_pt.models');
RESET ROLE;
SET ROLE regress_pt_owner;
-- the column: missing, or not bigint
SELECT orgs.protect_table('regress_pt.models', 'app');
SELECT orgs.protect_table('regress_pt.models', 'small_app');
SELECT orgs.protect_table('regress_pt.models', 'name');
-- not a table
SELECT orgs.protect_table('regress_pt.models_view', 'app_id');
-- permission names
SELECT orgs.protect_table('regress_pt.models', 'app_id', select_permission => 'models.look');
SELECT orgs.protect_table('regress_pt.models', 'app_id', select_permission => 'models.view, bogus');
SELECT orgs.protect_table('regress_pt.models', 'app_id', select_permission => 'billing.view');
SELECT orgs.protect_org_table('regress_pt.clusters', 'org_id', select_permission => 'models.view');
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'gadgets');
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'deployments');
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'clusters');
SELECT orgs.protect_table('regress_pt.models', NULL);
SELECT orgs.protect_table(NULL, 'app_id');
-- the same refusals, by SQLSTATE
CREATE FUNCTION pg_temp.pt_state(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE stmt;
        RAISE EXCEPTION USING ERRCODE = 'PT000';
    EXCEPTION
        WHEN SQLSTATE 'PT000' THEN RETURN 'ok';
        WHEN OTHERS THEN RETURN SQLSTATE;
    END;
END;
$$;
SELECT s AS statement, pg_temp.pt_state(s) AS sqlstate FROM unnest(ARRAY[
    $q$SELECT orgs.protect_table('regress_pt.models', 'app')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models', 'small_app')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models_view', 'app_id')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models', 'app_id', select_permission => 'models.look')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models', 'app_id', select_permission => 'billing.view')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'gadgets')$q$,
    $q$SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'deployments')$q$,
    $q$SELECT orgs.protect_table(NULL, 'app_id')$q$]) AS s;
RESET ROLE;
SET ROLE regress_pt_stranger;
SELECT pg_temp.pt_state($q$SELECT orgs.protect_table('regress_pt.models', 'app_id')$q$) AS stranger_protect,
       pg_temp.pt_state($q$SELECT orgs.unprotect_table('regress_pt.models')$q$) AS stranger_unprotect;
RESET ROLE;
SET ROLE regress_pt_owner;
-- nothing was created by the refused calls
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'regress_pt.models'::regclass;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'regress_pt.models'::regclass;

--------------------------------------------------------------------------
-- protect_table
--------------------------------------------------------------------------
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'models');
RESET ROLE;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'regress_pt.models'::regclass;
SELECT policyname, permissive, roles, cmd, qual, with_check
  FROM pg_policies WHERE schemaname = 'regress_pt' AND tablename = 'models' ORDER BY policyname;
SELECT p.polname, obj_description(p.oid, 'pg_policy')
  FROM pg_policy p WHERE p.polrelid = 'regress_pt.models'::regclass ORDER BY 1;

-- What the acting user sees and may write.
CREATE FUNCTION pg_temp.pt_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    BEGIN
        IF stmt ~ '^SELECT' THEN EXECUTE stmt INTO n;
        ELSE EXECUTE stmt; GET DIAGNOSTICS n = ROW_COUNT; END IF;
        RAISE EXCEPTION USING ERRCODE = 'PT000', MESSAGE = n::text;
    EXCEPTION
        WHEN SQLSTATE 'PT000' THEN RETURN SQLERRM;
        WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM;
    END;
END;
$$;
SET ROLE regress_pt_app;
-- no acting user: nothing (fail closed)
SELECT count(*) FROM regress_pt.models;
SELECT orgs.act_as('pt-alice');     -- admin of pt-acme; infra manager of pt-beta
SELECT name FROM regress_pt.models ORDER BY name;
SELECT pg_temp.pt_try('INSERT INTO regress_pt.models (app_id, name) SELECT id, ''new'' FROM pt_ids WHERE name = ''pt-acme/a1''') AS acme_insert,
       pg_temp.pt_try('INSERT INTO regress_pt.models (app_id, name) SELECT id, ''new'' FROM pt_ids WHERE name = ''pt-beta/a1''') AS beta_insert,
       pg_temp.pt_try('UPDATE regress_pt.models SET name = name') AS update_all,
       pg_temp.pt_try('DELETE FROM regress_pt.models') AS delete_all;
SELECT orgs.act_as('pt-bob');       -- org_user of pt-acme; model_trainer on pt-beta/a1
SELECT name FROM regress_pt.models ORDER BY name;
SELECT pg_temp.pt_try('INSERT INTO regress_pt.models (app_id, name) SELECT id, ''new'' FROM pt_ids WHERE name = ''pt-acme/a1''') AS acme_insert,
       pg_temp.pt_try('INSERT INTO regress_pt.models (app_id, name) SELECT id, ''new'' FROM pt_ids WHERE name = ''pt-beta/a1''') AS beta_insert,
       pg_temp.pt_try('UPDATE regress_pt.models SET name = name') AS update_all,
       pg_temp.pt_try('DELETE FROM regress_pt.models') AS delete_all;
-- WITH CHECK: a row cannot be moved into an app the user may not write,
-- nor inserted there.
SELECT pg_temp.pt_try('UPDATE regress_pt.models SET app_id = (SELECT id FROM pt_ids WHERE name = ''pt-beta/a2'') WHERE name = ''pt-beta/a1 model 1''') AS move_to_beta_a2,
       pg_temp.pt_try('UPDATE regress_pt.models SET app_id = (SELECT id FROM pt_ids WHERE name = ''pt-acme/a1'') WHERE name = ''pt-beta/a1 model 1''') AS move_to_acme_a1,
       pg_temp.pt_try('UPDATE regress_pt.models SET name = ''renamed'' WHERE name = ''pt-beta/a1 model 1''') AS rename_in_place;
SELECT orgs.act_as('pt-carol');     -- admin of pt-beta
SELECT pg_temp.pt_try('UPDATE regress_pt.models SET app_id = (SELECT id FROM pt_ids WHERE name = ''pt-beta/a2'') WHERE name = ''pt-beta/a1 model 1''') AS move_within_beta,
       pg_temp.pt_try('UPDATE regress_pt.models SET app_id = (SELECT id FROM pt_ids WHERE name = ''pt-acme/a1'') WHERE name = ''pt-beta/a1 model 1''') AS move_to_acme;
-- The owner is subject to the policies too (FORCE).
RESET ROLE;
SELECT orgs.act_as(NULL);
SET ROLE regress_pt_owner;
SELECT count(*) AS owner_without_acting_user FROM regress_pt.models;
RESET ROLE;

--------------------------------------------------------------------------
-- The policy is a per-row check; its planner support gives the planner an
-- index condition on the column (the set of apps, computed once per scan)
--------------------------------------------------------------------------
-- 200 more apps with 20 rows each: the acting user's two apps are a
-- small part of the table.
INSERT INTO orgs.organizations (org_id, name) VALUES ('pt-big', 'Big');
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
INSERT INTO orgs.apps (org_id, app_id)
SELECT o.id, 'app' || g FROM orgs.organizations o, generate_series(1, 200) g WHERE o.org_id = 'pt-big';
INSERT INTO pt_ids
SELECT 'pt-big/' || a.app_id, a.id FROM orgs.apps a JOIN orgs.organizations o ON o.id = a.org_id
 WHERE o.org_id = 'pt-big';
-- (as superuser: the owner, too, is now subject to the policies)
INSERT INTO regress_pt.models (app_id, name)
SELECT p.id, 'bulk ' || g FROM generate_series(1, 20) g, pt_ids p WHERE p.name LIKE 'pt-big/%';
ANALYZE regress_pt.models;
SET ROLE regress_pt_app;
SELECT orgs.act_as('pt-carol');
SELECT count(*) FROM regress_pt.models;
SELECT * FROM pg_temp.plan_shape('SELECT * FROM regress_pt.models');
-- with a condition on the column as well
SELECT * FROM pg_temp.plan_shape(
    $$SELECT * FROM regress_pt.models WHERE app_id = (SELECT id FROM pt_ids WHERE name = 'pt-beta/a1')$$);
RESET ROLE;

--------------------------------------------------------------------------
-- A hostile search_path changes nothing
--------------------------------------------------------------------------
-- Look-alikes of everything the policy and protect_table use, placed
-- before pg_catalog: "=" that is always true, an apps_with_permission
-- that grants every app, a pg_has_role that says yes.
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.always(bigint, bigint) RETURNS boolean LANGUAGE sql RETURN true;
CREATE OPERATOR regress_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = regress_evil.always);
CREATE FUNCTION regress_evil.apps_with_permission(text) RETURNS bigint[] LANGUAGE sql
    RETURN (SELECT array_agg(id) FROM orgs.apps);
CREATE FUNCTION regress_evil.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql RETURN true;
GRANT USAGE ON SCHEMA regress_evil TO PUBLIC;
SET search_path = regress_evil, pg_catalog, public, orgs;
SELECT 1::bigint = 2::bigint AS evil_equals;   -- the look-alike is active
SET ROLE regress_pt_stranger;
SELECT orgs.protect_table('regress_pt.models', 'app_id');
RESET ROLE;
SET ROLE regress_pt_owner;
SELECT orgs.protect_table('regress_pt.models', 'app_id', resource => 'models');
RESET ROLE;
SELECT policyname, qual FROM pg_policies
 WHERE schemaname = 'regress_pt' AND tablename = 'models' AND policyname = 'pg_orgs_select';
SET ROLE regress_pt_app;
SELECT orgs.act_as('pt-bob');
SELECT count(*) AS bob_sees, count(DISTINCT app_id) AS in_apps FROM regress_pt.models;
RESET ROLE;
RESET search_path;

--------------------------------------------------------------------------
-- Re-running replaces the policies; '' means no policy for a command
--------------------------------------------------------------------------
SET ROLE regress_pt_owner;
SELECT orgs.protect_table('regress_pt.models', 'app_id',
                          select_permission => 'models.view, deployments.view',
                          insert_permission => 'models.create',
                          update_permission => 'models.edit, models.train',
                          delete_permission => '',
                          row_filter => 'NOT archived');
RESET ROLE;
SELECT policyname, cmd, qual, with_check
  FROM pg_policies WHERE schemaname = 'regress_pt' AND tablename = 'models' ORDER BY policyname;
SET ROLE regress_pt_app;
SELECT orgs.act_as('pt-alice');
-- alice (infra manager of pt-beta) now sees pt-beta's rows through deployments.view
SELECT count(*) FILTER (WHERE name LIKE 'pt-acme%') AS acme, count(*) FILTER (WHERE name LIKE 'pt-beta%') AS beta
  FROM regress_pt.models;
-- no DELETE policy: nothing is deleted; the row filter also applies to
-- the new row (WITH CHECK), so alice cannot archive a row she can edit.
SELECT pg_temp.pt_try('DELETE FROM regress_pt.models') AS delete_without_policy,
       pg_temp.pt_try('UPDATE regress_pt.models SET name = name || ''!'' WHERE name = ''pt-acme/a1 model 1''') AS rename,
       pg_temp.pt_try('UPDATE regress_pt.models SET archived = true WHERE name = ''pt-acme/a1 model 1''') AS archive;
RESET ROLE;
-- Other policies on the table are left alone.
SET ROLE regress_pt_owner;
CREATE POLICY my_own ON regress_pt.models FOR SELECT USING (name = 'public');
SELECT orgs.protect_table('regress_pt.models', 'app_id');
SELECT polname FROM pg_policy WHERE polrelid = 'regress_pt.models'::regclass ORDER BY 1;

--------------------------------------------------------------------------
-- unprotect_table
--------------------------------------------------------------------------
SELECT orgs.unprotect_table('regress_pt.models');
SELECT polname FROM pg_policy WHERE polrelid = 'regress_pt.models'::regclass ORDER BY 1;
-- row-level security stays on: fail closed
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'regress_pt.models'::regclass;
SELECT orgs.unprotect_table('regress_pt.models');
SELECT orgs.protect_table('regress_pt.models', 'app_id');
SELECT orgs.unprotect_table('regress_pt.models', disable_rls => true);
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'regress_pt.models'::regclass;
RESET ROLE;

--------------------------------------------------------------------------
-- protect_org_table
--------------------------------------------------------------------------
SET ROLE regress_pt_owner;
SELECT orgs.protect_org_table('regress_pt.clusters', 'org_id', resource => 'clusters');
RESET ROLE;
SELECT policyname, cmd, qual, with_check
  FROM pg_policies WHERE schemaname = 'regress_pt' AND tablename = 'clusters' ORDER BY policyname;
SET ROLE regress_pt_app;
SELECT orgs.act_as('pt-bob');     -- org_user of pt-acme (clusters.view); model_trainer in pt-beta (implied clusters.view)
SELECT name FROM regress_pt.clusters ORDER BY name;
SELECT pg_temp.pt_try('INSERT INTO regress_pt.clusters (org_id, name) SELECT id, ''x'' FROM pt_ids WHERE name = ''pt-acme''') AS insert_acme,
       pg_temp.pt_try('DELETE FROM regress_pt.clusters') AS delete_all;
SELECT orgs.act_as('pt-alice');   -- admin of pt-acme; infrastructure_manager of pt-beta
SELECT pg_temp.pt_try('INSERT INTO regress_pt.clusters (org_id, name) SELECT id, ''x'' FROM pt_ids WHERE name = ''pt-beta''') AS insert_beta,
       pg_temp.pt_try('UPDATE regress_pt.clusters SET name = name') AS update_all,
       pg_temp.pt_try('DELETE FROM regress_pt.clusters') AS delete_all;
RESET ROLE;
-- default: org.view to read, no writes
SET ROLE regress_pt_owner;
SELECT orgs.protect_org_table('regress_pt.clusters', 'org_id');
RESET ROLE;
SELECT policyname, cmd, qual FROM pg_policies WHERE schemaname = 'regress_pt' AND tablename = 'clusters';

ROLLBACK;
