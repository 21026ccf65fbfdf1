--
-- model_random: the engine against an independent implementation of the
-- rule, on a generated random model.
--
-- A seeded generator makes a model (300 app-level and 60 org-level
-- permissions beyond the required ones, so that every word of the
-- engine's 512-bit sets is used; random roles, levels, implications; and
-- roles that organizations define for themselves), loads it with
-- orgs.load_model() and orgs.define_org_role(), and a random population
-- (members, teams, team apps, personal apps).  The expected answers are
-- computed here from the generator's own tables (schema mr), never from
-- the orgs.* model tables:
--
--   E(u, a) = B(r) ∪ (T(u, a) ∩ C(r))   for a member u with role r of the
--                                        org that owns a; T the union of
--                                        L(level) over u's teams holding a
--           = every app permission      for the owner of a personal app
--           = ∅                         otherwise
--   org-level: the role's, plus p for every implication (p from q) when
--   u holds q on some app of the org.
--
-- Every (user, app, permission) and (user, org, permission) is compared;
-- only the counts and the mismatches (none expected) are printed.  The
-- default model is restored at the end.
--
\set SHOW_CONTEXT never
CREATE SCHEMA mr;
CREATE TABLE mr.saved AS SELECT orgs.model_json() AS doc;
SELECT setseed(0.31);

--------------------------------------------------------------------------
-- The random model
--------------------------------------------------------------------------
CREATE TABLE mr.perm (scope text, name text, PRIMARY KEY (scope, name));
INSERT INTO mr.perm SELECT scope::text, name FROM orgs.required_permissions();
INSERT INTO mr.perm SELECT 'org', format('o%s.act', i) FROM generate_series(1, 60) i;
INSERT INTO mr.perm SELECT 'app', format('a%s.act', i) FROM generate_series(1, 300) i;

-- the roles and levels other tests' members may still hold keep their
-- names; what they grant is random like the rest
CREATE TABLE mr.role (name text PRIMARY KEY);
INSERT INTO mr.role VALUES ('admin'), ('financial_manager'), ('org_contributor'), ('org_user'),
    ('team_contributor'), ('infrastructure_manager');
INSERT INTO mr.role SELECT format('r%s', i) FROM generate_series(1, 10) i;
CREATE TABLE mr.level (name text PRIMARY KEY);
INSERT INTO mr.level VALUES ('full_access'), ('model_trainer'), ('labeler_lead'), ('labeler_worker');
INSERT INTO mr.level SELECT format('l%s', i) FROM generate_series(1, 8) i;

-- kind: org (role's org-level), base (B), ceil (C), level (L)
CREATE TABLE mr.grant_ (kind text, holder text, perm text, PRIMARY KEY (kind, holder, perm));
INSERT INTO mr.grant_
SELECT 'org', r.name, p.name FROM mr.role r, mr.perm p
 WHERE p.scope = 'org' AND (r.name = 'admin' OR random() < 0.3);
INSERT INTO mr.grant_
SELECT 'base', r.name, p.name FROM mr.role r, mr.perm p
 WHERE p.scope = 'app' AND (r.name = 'admin' OR random() < 0.1);
INSERT INTO mr.grant_
SELECT 'ceil', r.name, p.name FROM mr.role r, mr.perm p
 WHERE p.scope = 'app' AND (r.name = 'admin' OR random() < 0.4);
INSERT INTO mr.grant_
SELECT 'level', l.name, p.name FROM mr.level l, mr.perm p
 WHERE p.scope = 'app' AND random() < 0.3;
CREATE TABLE mr.impl (org_perm text, app_perm text, PRIMARY KEY (org_perm, app_perm));
INSERT INTO mr.impl
SELECT DISTINCT format('o%s.act', 1 + floor(random() * 60)::int), format('a%s.act', 1 + floor(random() * 300)::int)
  FROM generate_series(1, 8);

SELECT kind, count(*) AS grants FROM mr.grant_ GROUP BY kind ORDER BY kind;

-- loaded as one document
CREATE FUNCTION mr.arr(k text, h text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT coalesce(jsonb_agg(perm ORDER BY perm), '[]') FROM mr.grant_ WHERE kind = k AND holder = h $$;
CREATE TABLE mr.doc AS
SELECT jsonb_build_object(
    'permissions', jsonb_build_object(
        'org', (SELECT jsonb_object_agg(name, 'generated') FROM mr.perm WHERE scope = 'org'),
        'app', (SELECT jsonb_object_agg(name, 'generated') FROM mr.perm WHERE scope = 'app')),
    'roles', (SELECT jsonb_object_agg(name, jsonb_build_object('description', 'generated',
                 'org', mr.arr('org', name), 'baseline', mr.arr('base', name), 'ceiling', mr.arr('ceil', name)))
                FROM mr.role),
    'levels', (SELECT jsonb_object_agg(name, jsonb_build_object('description', 'generated',
                  'permissions', mr.arr('level', name))) FROM mr.level),
    'implications', (SELECT jsonb_agg(jsonb_build_object('org', org_perm, 'app', app_perm)) FROM mr.impl)) AS doc;
SELECT count(*) > 0 AS loaded FROM orgs.load_model((SELECT doc FROM mr.doc));
SELECT count(*) AS changes_on_reload FROM orgs.load_model((SELECT doc FROM mr.doc));
SELECT (SELECT count(*) FROM orgs.permissions WHERE scope = 'app') AS app_permissions,
       (SELECT count(*) FROM orgs.permissions WHERE scope = 'org') AS org_permissions;

--------------------------------------------------------------------------
-- The random population
--------------------------------------------------------------------------
SELECT count(orgs.register_user(format('mr_u%s', i), format('mr_u%s@example.com', i)))
  FROM generate_series(1, 24) i;
CREATE TABLE mr.org (name text PRIMARY KEY, founder text);
INSERT INTO mr.org SELECT format('mr_o%s', i), format('mr_u%s', i) FROM generate_series(1, 5) i;
SELECT count(*) FROM (SELECT orgs.act_as(founder, false), orgs.create_org(name, name) FROM mr.org) x;
SELECT orgs.act_as(NULL, false);

-- each org's own roles (defined by its admin, who holds everything)
CREATE TABLE mr.org_role (org text, name text, PRIMARY KEY (org, name));
INSERT INTO mr.org_role SELECT o.name, format('own%s', i) FROM mr.org o, generate_series(1, 2) i;
INSERT INTO mr.grant_
SELECT 'org', r.org || '/' || r.name, p.name FROM mr.org_role r, mr.perm p
 WHERE p.scope = 'org' AND random() < 0.3;
INSERT INTO mr.grant_
SELECT 'base', r.org || '/' || r.name, p.name FROM mr.org_role r, mr.perm p
 WHERE p.scope = 'app' AND random() < 0.1;
INSERT INTO mr.grant_
SELECT 'ceil', r.org || '/' || r.name, p.name FROM mr.org_role r, mr.perm p
 WHERE p.scope = 'app' AND random() < 0.4;
SELECT count(*) FROM (
    SELECT orgs.act_as(o.founder, false),
           orgs.define_org_role(r.org, r.name, 'generated',
               ARRAY(SELECT perm FROM mr.grant_ WHERE kind = 'org' AND holder = r.org || '/' || r.name),
               ARRAY(SELECT perm FROM mr.grant_ WHERE kind = 'base' AND holder = r.org || '/' || r.name),
               ARRAY(SELECT perm FROM mr.grant_ WHERE kind = 'ceil' AND holder = r.org || '/' || r.name))
      FROM mr.org_role r JOIN mr.org o ON o.name = r.org) x;
SELECT orgs.act_as(NULL, false);

-- memberships: the founder is admin; others join with a random role
CREATE TABLE mr.member (org text, handle text, role text, PRIMARY KEY (org, handle));
INSERT INTO mr.member SELECT name, founder, 'admin' FROM mr.org;
INSERT INTO mr.member
SELECT o.name, format('mr_u%s', u), (SELECT x FROM (
           SELECT name AS x FROM mr.role WHERE name <> 'admin'
           UNION ALL SELECT o.name || '/' || name FROM mr.org_role WHERE org = o.name) c
         ORDER BY random() + u * 0 LIMIT 1)
  FROM mr.org o, generate_series(1, 24) u
 WHERE format('mr_u%s', u) <> o.founder AND random() < 0.45;
INSERT INTO orgs.members (org_id, user_id, role)
SELECT og.id, us.id, split_part(m.role, '/', 2)
  FROM mr.member m JOIN orgs.organizations og ON og.org_id = m.org JOIN orgs.users us ON us.handle = m.handle
 WHERE m.role LIKE '%/%';
INSERT INTO orgs.members (org_id, user_id, role)
SELECT og.id, us.id, m.role
  FROM mr.member m JOIN orgs.organizations og ON og.org_id = m.org JOIN orgs.users us ON us.handle = m.handle
 WHERE m.role NOT LIKE '%/%' AND m.role <> 'admin';

-- apps, teams, team members, team apps, personal apps
INSERT INTO orgs.apps (org_id, app_id)
SELECT og.id, format('app%s', i) FROM orgs.organizations og, generate_series(1, 4) i
 WHERE og.org_id LIKE 'mr\_o%';
INSERT INTO orgs.apps (owner_user_id, app_id)
SELECT id, 'mine' FROM orgs.users WHERE handle IN ('mr_u20', 'mr_u21', 'mr_u22');
CREATE TABLE mr.team (org text, team text, PRIMARY KEY (org, team));
INSERT INTO mr.team SELECT name, format('t%s', i) FROM mr.org, generate_series(1, 3) i;
INSERT INTO orgs.teams (org_id, team_id, name, default_permission)
SELECT og.id, t.team, t.team, 'labeler_worker' FROM mr.team t JOIN orgs.organizations og ON og.org_id = t.org;
CREATE TABLE mr.team_member (org text, team text, handle text);
INSERT INTO mr.team_member SELECT t.org, t.team, m.handle FROM mr.team t JOIN mr.member m ON m.org = t.org
 WHERE random() < 0.5;
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT tm.org_id, tm.id, us.id FROM mr.team_member x
  JOIN orgs.organizations og ON og.org_id = x.org
  JOIN orgs.teams tm ON tm.org_id = og.id AND tm.team_id = x.team
  JOIN orgs.users us ON us.handle = x.handle;
CREATE TABLE mr.team_app (org text, team text, app text, level text);
INSERT INTO mr.team_app
SELECT t.org, t.team, format('app%s', i), (SELECT name FROM mr.level ORDER BY random() + i * 0 + length(t.team) * 0 LIMIT 1)
  FROM mr.team t, generate_series(1, 4) i WHERE random() < 0.5;
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT og.id, tm.id, ap.id, x.level FROM mr.team_app x
  JOIN orgs.organizations og ON og.org_id = x.org
  JOIN orgs.teams tm ON tm.org_id = og.id AND tm.team_id = x.team
  JOIN orgs.apps ap ON ap.org_id = og.id AND ap.app_id = x.app;
SELECT (SELECT count(*) FROM mr.member) AS members, (SELECT count(*) FROM mr.team_member) AS team_members,
       (SELECT count(*) FROM mr.team_app) AS team_apps;

--------------------------------------------------------------------------
-- The expected answers, from the generator's tables only
--------------------------------------------------------------------------
CREATE TABLE mr.app (org text, owner text, app text, key bigint);
INSERT INTO mr.app SELECT og.org_id, NULL, a.app_id, a.id FROM orgs.apps a JOIN orgs.organizations og ON og.id = a.org_id
 WHERE og.org_id LIKE 'mr\_o%';
INSERT INTO mr.app SELECT NULL, u.handle, a.app_id, a.id FROM orgs.apps a JOIN orgs.users u ON u.id = a.owner_user_id
 WHERE u.handle LIKE 'mr\_u%';
CREATE TABLE mr.expected_app (handle text, app bigint, perm text, PRIMARY KEY (handle, app, perm));
-- personal apps: the owner holds everything
INSERT INTO mr.expected_app SELECT a.owner, a.key, p.name FROM mr.app a, mr.perm p
 WHERE a.owner IS NOT NULL AND p.scope = 'app';
-- org apps: B(r) ∪ (T ∩ C(r))
INSERT INTO mr.expected_app
SELECT DISTINCT m.handle, a.key, g.perm
  FROM mr.member m JOIN mr.app a ON a.org = m.org
  JOIN mr.grant_ g ON g.kind = 'base' AND g.holder = m.role
UNION
SELECT DISTINCT m.handle, a.key, l.perm
  FROM mr.member m JOIN mr.app a ON a.org = m.org
  JOIN mr.team_member tm ON tm.org = m.org AND tm.handle = m.handle
  JOIN mr.team_app ta ON ta.org = m.org AND ta.team = tm.team AND ta.app = a.app
  JOIN mr.grant_ l ON l.kind = 'level' AND l.holder = ta.level
  JOIN mr.grant_ c ON c.kind = 'ceil' AND c.holder = m.role AND c.perm = l.perm;
CREATE TABLE mr.expected_org (handle text, org text, perm text, PRIMARY KEY (handle, org, perm));
INSERT INTO mr.expected_org
SELECT m.handle, m.org, g.perm FROM mr.member m JOIN mr.grant_ g ON g.kind = 'org' AND g.holder = m.role
UNION
SELECT DISTINCT m.handle, m.org, i.org_perm
  FROM mr.member m JOIN mr.app a ON a.org = m.org
  JOIN mr.expected_app e ON e.handle = m.handle AND e.app = a.key
  JOIN mr.impl i ON i.app_perm = e.perm;
SELECT (SELECT count(*) FROM mr.expected_app) AS expected_app_grants,
       (SELECT count(*) FROM mr.expected_org) AS expected_org_grants;

--------------------------------------------------------------------------
-- Every cell, against the engine
--------------------------------------------------------------------------
CREATE TABLE mr.cell_app AS
SELECT u.handle, a.key AS app, p.name AS perm,
       orgs.has_app_permission(u.id, a.key, p.name) AS engine,
       EXISTS (SELECT 1 FROM mr.expected_app e WHERE e.handle = u.handle AND e.app = a.key AND e.perm = p.name) AS expected
  FROM orgs.users u, mr.app a, mr.perm p
 WHERE u.handle LIKE 'mr\_u%' AND p.scope = 'app';
SELECT count(*) AS app_cells, count(*) FILTER (WHERE engine) AS granted,
       count(*) FILTER (WHERE engine IS DISTINCT FROM expected) AS mismatches
  FROM mr.cell_app;
SELECT * FROM mr.cell_app WHERE engine IS DISTINCT FROM expected ORDER BY 1, 2, 3 LIMIT 10;
-- the effective sets, as app_permissions lists them
SELECT count(*) AS sets, count(*) FILTER (WHERE s.engine IS DISTINCT FROM s.expected) AS set_mismatches
  FROM (SELECT u.handle, a.key,
               (SELECT array_agg(x ORDER BY x) FROM unnest(orgs.app_permissions(u.handle, coalesce(a.org, a.owner) || '/' || a.app)) x) AS engine,
               (SELECT array_agg(e.perm ORDER BY e.perm) FROM mr.expected_app e WHERE e.handle = u.handle AND e.app = a.key) AS expected
          FROM orgs.users u, mr.app a WHERE u.handle LIKE 'mr\_u%') s;
CREATE TABLE mr.cell_org AS
SELECT u.handle, o.org_id::text AS org, p.name AS perm,
       orgs.has_org_permission(u.id, o.id, p.name) AS engine,
       EXISTS (SELECT 1 FROM mr.expected_org e WHERE e.handle = u.handle AND e.org = o.org_id AND e.perm = p.name) AS expected
  FROM orgs.users u, orgs.organizations o, mr.perm p
 WHERE u.handle LIKE 'mr\_u%' AND o.org_id LIKE 'mr\_o%' AND p.scope = 'org';
SELECT count(*) AS org_cells, count(*) FILTER (WHERE engine) AS granted,
       count(*) FILTER (WHERE engine IS DISTINCT FROM expected) AS mismatches
  FROM mr.cell_org;
SELECT * FROM mr.cell_org WHERE engine IS DISTINCT FROM expected ORDER BY 1, 2, 3 LIMIT 10;
-- apps_with_permission (acting as each user) agrees, for a sample of
-- permissions
CREATE FUNCTION mr.list_mismatches(OUT lists int, OUT list_mismatches int)
LANGUAGE plpgsql AS $$
DECLARE
    u record;
    p record;
    got bigint[];
    want bigint[];
BEGIN
    lists := 0;
    list_mismatches := 0;
    FOR u IN SELECT handle FROM orgs.users WHERE handle LIKE 'mr\_u%' ORDER BY 1 LOOP
        PERFORM orgs.act_as(u.handle, false);
        FOR p IN SELECT name FROM mr.perm WHERE scope = 'app' AND (name LIKE 'a1%' OR name LIKE 'app.%') LOOP
            got := ARRAY(SELECT x FROM unnest(orgs.apps_with_permission(p.name)) x
                          WHERE x IN (SELECT key FROM mr.app) ORDER BY x);
            want := ARRAY(SELECT DISTINCT e.app FROM mr.expected_app e
                           WHERE e.handle = u.handle AND e.perm = p.name ORDER BY 1);
            lists := lists + 1;
            IF got IS DISTINCT FROM want THEN
                list_mismatches := list_mismatches + 1;
            END IF;
        END LOOP;
    END LOOP;
    PERFORM orgs.act_as(NULL, false);
END;
$$;
SELECT * FROM mr.list_mismatches();

--------------------------------------------------------------------------
-- Clean up; the default model again
--------------------------------------------------------------------------
DELETE FROM orgs.apps WHERE id IN (SELECT key FROM mr.app);
DELETE FROM orgs.organizations WHERE org_id LIKE 'mr\_o%';
DELETE FROM orgs.users WHERE handle LIKE 'mr\_u%';
SELECT count(*) > 0 AS restored FROM orgs.load_model((SELECT doc FROM mr.saved));
SELECT orgs.model_json() = (SELECT doc FROM mr.saved) AS default_model_again;
SET client_min_messages = warning;
DROP SCHEMA mr CASCADE;
RESET client_min_messages;
