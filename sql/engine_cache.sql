--
-- engine_cache: the per-backend permission cache in one session.  A change
-- to any table that affects permissions is seen by the next statement, also
-- inside the transaction that made it; a rolled-back change is forgotten;
-- the memory is bounded.  And the declared properties of the checks.
-- (Invalidation across sessions: test/specs/cache_invalidation.spec.)
--
\set SHOW_CONTEXT never
SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['ec_admin', 'ec_tc', 'ec_ou']) AS h;
INSERT INTO orgs.organizations (org_id, name) VALUES ('ec_org', 'Cache');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, r::orgs.org_role
  FROM (VALUES ('ec_admin', 'admin'), ('ec_tc', 'team_contributor'), ('ec_ou', 'org_user')) AS v(h, r)
  JOIN orgs.users u ON u.handle = v.h, orgs.organizations o WHERE o.org_id = 'ec_org';
INSERT INTO orgs.apps (org_id, app_id) SELECT id, 'app' FROM orgs.organizations WHERE org_id = 'ec_org';
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT id, 'labelers', 'Labelers', 'labeler_worker' FROM orgs.organizations WHERE org_id = 'ec_org';
SELECT id AS tc FROM orgs.users WHERE handle = 'ec_tc' \gset
SELECT id AS ou FROM orgs.users WHERE handle = 'ec_ou' \gset
SELECT id AS app FROM orgs.apps WHERE app_id = 'app' AND org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ec_org') \gset
SELECT id AS org FROM orgs.organizations WHERE org_id = 'ec_org' \gset
-- the checks below: ec_tc's tasks.work and app.view on the app, in the
-- explicit form and, acting as ec_tc, in the acting-user form
CREATE FUNCTION pg_temp.tc() RETURNS TABLE(explicit_work boolean, explicit_view boolean,
                                           acting_work boolean, by_name boolean)
LANGUAGE sql AS $$
    SELECT orgs.has_app_permission(u.id, a.id, 'tasks.work'),
           orgs.has_app_permission(u.id, a.id, 'app.view'),
           orgs.has_app_permission(a.id, 'tasks.work'),
           orgs.has_app_permission('ec_tc', 'ec_org/app', 'tasks.work')
      FROM orgs.users u, orgs.apps a
     WHERE u.handle = 'ec_tc' AND a.app_id = 'app'
       AND a.org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ec_org')
$$;
SELECT orgs.act_as('ec_tc', false);
SELECT * FROM pg_temp.tc();            -- no team: nothing

--------------------------------------------------------------------------
-- A grant added inside a transaction is seen by its next statement
--------------------------------------------------------------------------
BEGIN;
SELECT * FROM pg_temp.tc();            -- fills the cache
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();            -- member of a team without the app: nothing
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, 'labeler_worker' FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();            -- granted
UPDATE orgs.team_apps SET permission = 'model_trainer' WHERE app_id = :app;
SELECT * FROM pg_temp.tc();            -- the level changed: app.view, no tasks.work
UPDATE orgs.team_apps SET permission = 'labeler_worker' WHERE app_id = :app;
-- a savepoint rolled back forgets what it did
SAVEPOINT s;
DELETE FROM orgs.team_apps WHERE app_id = :app;
SELECT * FROM pg_temp.tc();            -- removed
ROLLBACK TO SAVEPOINT s;
SELECT * FROM pg_temp.tc();            -- back
SAVEPOINT s2;
UPDATE orgs.members SET role = 'financial_manager' WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();            -- the role caps it all
RELEASE SAVEPOINT s2;
SELECT * FROM pg_temp.tc();            -- released: still capped
UPDATE orgs.members SET role = 'team_contributor' WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();            -- granted again
ROLLBACK;
-- the rolled-back transaction is undone in the cache too
SELECT * FROM pg_temp.tc();
SELECT count(*) AS grants_left FROM orgs.team_apps WHERE app_id = :app;

--------------------------------------------------------------------------
-- ... also after the transaction invalidated everything once: a model
-- change, or more codes than a transaction sends one by one (256; user
-- registrations send three or four each).  What later statements of the
-- transaction change is seen all the same.
--------------------------------------------------------------------------
BEGIN;
SELECT orgs.define_level('ec_level', 'Invalidates everything', ARRAY['app.view']);
SELECT * FROM pg_temp.tc();            -- rebuilt: nothing
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, 'labeler_worker' FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();            -- granted
DELETE FROM orgs.team_members WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();            -- revoked
ROLLBACK;
BEGIN;
SELECT count(orgs.register_user('ec_bulk' || i, 'ec_bulk' || i || '@example.com')) AS registered
  FROM generate_series(1, 100) AS i;
SELECT * FROM pg_temp.tc();            -- rebuilt: nothing
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, 'labeler_worker' FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();            -- granted
UPDATE orgs.members SET role = 'financial_manager' WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();            -- the role caps it all
ROLLBACK;
SELECT * FROM pg_temp.tc();            -- all undone
-- the same in a set-up script: each user creates an org and an app in it
-- (create_app finds the org through the cache); 40 rounds send more than
-- 256 codes
BEGIN;
DO $$
BEGIN
    FOR i IN 1 .. 40 LOOP
        PERFORM orgs.register_user('ec_setup' || i, 'ec_setup' || i || '@example.com');
        PERFORM orgs.act_as('ec_setup' || i, true);
        PERFORM orgs.create_org('ec_setup_org' || i, 'Set up');
        PERFORM orgs.create_app('ec_setup_org' || i, 'app');
    END LOOP;
END
$$;
SELECT count(*) AS set_up FROM orgs.apps a JOIN orgs.organizations o ON o.id = a.org_id
 WHERE o.org_id LIKE 'ec\_setup\_org%';
ROLLBACK;

--------------------------------------------------------------------------
-- Committed changes, one table at a time
--------------------------------------------------------------------------
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, t.default_permission FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();
-- team_members
DELETE FROM orgs.team_members WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();
-- members (the role), and the membership itself (cascades to the team)
UPDATE orgs.members SET role = 'infrastructure_manager' WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();
UPDATE orgs.members SET role = 'team_contributor' WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();
SELECT orgs.has_org_permission(:tc, :org, 'org.view') AS org_view;
DELETE FROM orgs.members WHERE user_id = :tc;
SELECT * FROM pg_temp.tc();
SELECT orgs.has_org_permission(:tc, :org, 'org.view') AS org_view;
INSERT INTO orgs.members (org_id, user_id, role) VALUES (:org, :tc, 'team_contributor');
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();
-- teams: deleting the team takes its grants
DELETE FROM orgs.teams WHERE team_id = 'labelers';
SELECT * FROM pg_temp.tc();
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
VALUES (:org, 'labelers', 'Labelers', 'labeler_worker');
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, :tc FROM orgs.teams t WHERE t.team_id = 'labelers';
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, t.default_permission FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();
-- apps: renamed, the old name is gone and the new one is known at once
UPDATE orgs.apps SET app_id = 'renamed' WHERE id = :app;
SELECT orgs.has_app_permission('ec_tc', 'ec_org/app', 'tasks.work'); \echo :SQLSTATE
SELECT orgs.has_app_permission('ec_tc', 'ec_org/RENAMED', 'tasks.work') AS renamed;
UPDATE orgs.apps SET app_id = 'app' WHERE id = :app;
SELECT orgs.has_app_permission('ec_tc', 'ec_org/app', 'tasks.work') AS renamed_back;
-- organizations: renamed, likewise
UPDATE orgs.organizations SET org_id = 'ec_org2' WHERE id = :org;
SELECT orgs.has_org_permission('ec_tc', 'ec_org', 'org.view'); \echo :SQLSTATE
SELECT orgs.has_org_permission('ec_tc', 'ec_org2', 'org.view') AS org2,
       orgs.has_app_permission('ec_tc', 'ec_org2/app', 'tasks.work') AS app_of_org2;
UPDATE orgs.organizations SET org_id = 'ec_org' WHERE id = :org;
-- users: renamed, and deleted (a key that matches nothing: NULL)
UPDATE orgs.users SET handle = 'ec_ou2' WHERE id = :ou;
SELECT orgs.has_app_permission('ec_ou', 'ec_org/app', 'app.view'); \echo :SQLSTATE
SELECT orgs.has_app_permission('ec_ou2', 'ec_org/app', 'app.view') AS ou2;
UPDATE orgs.users SET handle = 'ec_ou' WHERE id = :ou;
SELECT orgs.has_app_permission(:ou, :app, 'app.view') AS before_delete;
DELETE FROM orgs.users WHERE id = :ou;
SELECT orgs.has_app_permission(:ou, :app, 'app.view') AS after_delete;
-- an app moved out of the org: the team grant goes with the move
INSERT INTO orgs.organizations (org_id, name) VALUES ('ec_other', 'Other');
UPDATE orgs.apps SET org_id = (SELECT id FROM orgs.organizations WHERE org_id = 'ec_other') WHERE id = :app;
SELECT orgs.has_app_permission(:tc, :app, 'tasks.work') AS moved_work,
       orgs.has_app_permission(:tc, :app, 'app.view') AS moved_view,
       orgs.has_app_permission('ec_tc', 'ec_other/app', 'tasks.work') AS by_new_name,
       (SELECT count(*) FROM orgs.team_apps WHERE app_id = :app) AS grants;
UPDATE orgs.apps SET org_id = :org WHERE id = :app;
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, :app, t.default_permission FROM orgs.teams t WHERE t.team_id = 'labelers';
SELECT * FROM pg_temp.tc();
-- the matrix tables too: a rolled-back change to L(labeler_worker)
BEGIN;
DELETE FROM orgs.team_level_permissions WHERE level = 'labeler_worker' AND permission = 'tasks.work';
SELECT * FROM pg_temp.tc();
ROLLBACK;
SELECT * FROM pg_temp.tc();
-- ... and to C(team_contributor)
BEGIN;
DELETE FROM orgs.role_app_ceiling WHERE role = 'team_contributor' AND permission = 'app.view';
SELECT * FROM pg_temp.tc();
ROLLBACK;
SELECT * FROM pg_temp.tc();

--------------------------------------------------------------------------
-- The generation counter moves whenever a change drops what is cached
--------------------------------------------------------------------------
SELECT generation AS gen0 FROM orgs.cache_stats() \gset
UPDATE orgs.team_apps SET permission = 'labeler_lead' WHERE app_id = :app;
SELECT generation > :gen0 AS moved_on_update FROM orgs.cache_stats();
SELECT * FROM pg_temp.tc();
SELECT generation AS gen1 FROM orgs.cache_stats() \gset
BEGIN;
UPDATE orgs.team_apps SET permission = 'labeler_worker' WHERE app_id = :app;
SELECT generation > :gen1 AS moved_in_transaction FROM orgs.cache_stats();
ROLLBACK;
SELECT generation AS gen2 FROM orgs.cache_stats() \gset
SELECT * FROM pg_temp.tc();
BEGIN;
TRUNCATE orgs.team_apps, orgs.team_members;
SELECT generation > :gen2 AS moved_on_truncate FROM orgs.cache_stats();
SELECT * FROM pg_temp.tc();
ROLLBACK;
SELECT * FROM pg_temp.tc();
-- ... but not on a relcache invalidation that changes no row (ANALYZE, as
-- autovacuum runs after a model change; VACUUM): not of a model table, not
-- of a membership table
SELECT generation AS gen3, resets AS resets3 FROM orgs.cache_stats() \gset
ANALYZE orgs.permissions;
ANALYZE orgs.role_app_baseline;
VACUUM orgs.members;
SELECT * FROM pg_temp.tc();
SELECT generation = :gen3 AS nothing_dropped, resets = :resets3 AS no_reset FROM orgs.cache_stats();
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- Bounded memory: pg_orgs.cache_max_kb
--------------------------------------------------------------------------
-- 200 users, each in a team that holds 100 apps: a large cache entry each
INSERT INTO orgs.users (handle, email)
SELECT 'ec_m' || i, 'ec_m' || i || '@example.com' FROM generate_series(1, 200) AS i;
INSERT INTO orgs.members (org_id, user_id, role)
SELECT :org, u.id, 'team_contributor' FROM orgs.users u WHERE u.handle LIKE 'ec\_m%';
INSERT INTO orgs.apps (org_id, app_id) SELECT :org, 'm' || i FROM generate_series(1, 100) AS i;
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
VALUES (:org, 'many', 'Many', 'labeler_worker');
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id AND a.app_id LIKE 'm%'
 WHERE t.team_id = 'many';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_id = 'many' AND t.org_id = :org AND u.handle LIKE 'ec\_m%';
-- check each user once, one statement at a time, and record the cache size
CREATE TEMP TABLE sizes (bound text, n int, answer boolean, users bigint, bytes bigint);
CREATE FUNCTION pg_temp.fill(bound text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_app bigint := (SELECT a.id FROM orgs.apps a JOIN orgs.organizations o ON o.id = a.org_id
                      WHERE o.org_id = 'ec_org' AND a.app_id = 'm50');
    v_answer boolean;
    s record;
BEGIN
    FOR r IN SELECT u.id, row_number() OVER (ORDER BY u.id) AS n
               FROM orgs.users u WHERE u.handle LIKE 'ec\_m%' LOOP
        v_answer := orgs.has_app_permission(r.id, v_app, 'tasks.work');
        SELECT * INTO s FROM orgs.cache_stats();
        INSERT INTO sizes VALUES (bound, r.n, v_answer, s.users, s.bytes);
    END LOOP;
END;
$$;
SHOW pg_orgs.cache_max_kb;
SET pg_orgs.cache_max_kb = 64;
SELECT pg_temp.fill('64kB');
-- then unbounded (from a cache that the small bound emptied)
RESET pg_orgs.cache_max_kb;
SELECT pg_temp.fill('default');
SELECT bound, count(*) AS checks, bool_and(answer) AS all_granted,
       max(users) < 200 AS evicted, max(bytes) < 192 * 1024 AS under_192kb,
       max(bytes) > 512 * 1024 AS over_512kb
  FROM sizes GROUP BY bound ORDER BY bound;

-- The bound covers the answer memos too: 3,000 distinct permission lists
-- (each its own memo) for one user stay within it
SET pg_orgs.cache_max_kb = 256;
CREATE TEMP TABLE lists AS
SELECT a.name || ',' || b.name || ',' || c.name AS list
  FROM orgs.permissions a, orgs.permissions b, orgs.permissions c
 WHERE a.scope = 'app' AND b.scope = 'app' AND c.scope = 'app' AND a.name < b.name AND b.name < c.name
 ORDER BY 1 LIMIT 3000;
CREATE TEMP TABLE memo_sizes AS
SELECT l.list, orgs.has_app_permission(:tc, :app, l.list) AS answer,
       (SELECT bytes FROM orgs.cache_stats()) AS bytes
  FROM lists l;
SELECT count(*) AS lists, count(answer) AS answered,
       max(bytes) <= (256 + 64) * 1024 AS within_bound_and_a_little
  FROM memo_sizes;
RESET pg_orgs.cache_max_kb;

-- A user whose entry is larger than the bound gets right answers, without
-- being kept: a member of a team that holds 1,000 apps, under 64 kB
INSERT INTO orgs.users (handle, email) VALUES ('ec_big', 'ec_big@example.com');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT :org, id, 'team_contributor' FROM orgs.users WHERE handle = 'ec_big';
INSERT INTO orgs.apps (org_id, app_id) SELECT :org, 'big' || i FROM generate_series(1, 1000) AS i;
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
VALUES (:org, 'big', 'Big', 'labeler_worker');
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT t.org_id, t.id, a.id, t.default_permission
  FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id AND a.app_id LIKE 'big%'
 WHERE t.team_id = 'big';
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT t.org_id, t.id, u.id FROM orgs.teams t, orgs.users u
 WHERE t.team_id = 'big' AND t.org_id = :org AND u.handle = 'ec_big';
SELECT id AS big FROM orgs.users WHERE handle = 'ec_big' \gset
SET pg_orgs.cache_max_kb = 64;
SELECT uncached_builds AS uncached0 FROM orgs.cache_stats() \gset
SELECT orgs.act_as('ec_big', false);
SELECT cardinality(orgs.apps_with_permission('tasks.work')) AS set_1,
       cardinality(orgs.apps_with_permission('tasks.work')) AS set_2;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(a.id, 'tasks.work')) AS granted
  FROM orgs.apps a WHERE a.org_id = :org AND a.app_id LIKE 'big%';
SELECT orgs.act_as(NULL, false);
SELECT count(*) FILTER (WHERE orgs.has_app_permission(:big, a.id, 'tasks.work')) AS granted_explicit
  FROM orgs.apps a WHERE a.org_id = :org AND a.app_id LIKE 'big%';
SELECT uncached_builds > :uncached0 AS not_kept, users FROM orgs.cache_stats();
-- ... and the cache emptied under a larger bound, then shrunk to a small
-- one, never loses what a call is using (a user with team apps only)
SET pg_orgs.cache_max_kb = '16MB';
SELECT count(orgs.has_app_permission(u.id, :app, 'tasks.work')) AS filled
  FROM orgs.users u WHERE u.handle LIKE 'ec\_m%';
SET pg_orgs.cache_max_kb = 64;
SELECT orgs.act_as('ec_big', false);
SELECT cardinality(orgs.apps_with_permission('tasks.work')) AS set_after_shrink;
SELECT orgs.act_as(NULL, false);
RESET pg_orgs.cache_max_kb;

-- A cursor declared before a change, fetched after it, in the same
-- transaction: the engine never answers from the cursor's older snapshot,
-- and later statements see the change
BEGIN;
SELECT orgs.act_as('ec_tc');
SELECT * FROM pg_temp.tc();
DECLARE c CURSOR FOR SELECT orgs.has_app_permission(:app, 'tasks.work') AS work, i
                       FROM generate_series(1, 2) AS i;
DELETE FROM orgs.team_apps WHERE app_id = :app;
FETCH 1 FROM c;
SELECT * FROM pg_temp.tc();
FETCH 1 FROM c;
SELECT * FROM pg_temp.tc();
ROLLBACK;
SELECT * FROM pg_temp.tc();
-- the bound is a setting of the extension's reserved prefix, at least 64 kB
DO $$
BEGIN
    SET pg_orgs.cache_max_kb = 10;
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END;
$$;
SET pg_orgs.cache_max_kb = '1MB';
SHOW pg_orgs.cache_max_kb;
RESET pg_orgs.cache_max_kb;

--------------------------------------------------------------------------
-- Declared properties of the checks
--------------------------------------------------------------------------
-- STABLE, a COST, STRICT; PARALLEL RESTRICTED where the acting user (kept
-- in the leader's memory only) is read, PARALLEL SAFE where the user is an
-- argument
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
       p.provolatile, p.proparallel, p.procost, p.proisstrict
  FROM pg_proc p
 WHERE p.pronamespace = 'orgs'::regnamespace
   AND p.proname IN ('has_app_permission', 'has_org_permission', 'app_permissions',
                     'apps_with_permission', 'orgs_with_permission',
                     'current_user_id', 'current_user_handle', 'act_as', 'cache_stats')
 ORDER BY 1, 2;

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
DELETE FROM orgs.apps WHERE org_id IN (SELECT id FROM orgs.organizations WHERE org_id LIKE 'ec\_%');
DELETE FROM orgs.organizations WHERE org_id LIKE 'ec\_%';
DELETE FROM orgs.users WHERE handle LIKE 'ec\_%';
