-- bench/sql/generate.sql: the seeded data generator.
--
-- psql variables (set by run.sh):
--   seed       setseed() argument, e.g. 0.42
--   n_orgs     organizations
--   n_users    users
--   n_teams    teams
--   n_apps     apps (about 5% personal, the rest owned by orgs)
--   n_res      rows of bench.resources
--   tpu        target team memberships per user (on average)
--
-- Shapes: org sizes, the orgs teams and apps land in, and the apps that
-- resource rows belong to are drawn log-uniformly (P(k) ~ 1/k, a Zipf law
-- with exponent 1): most orgs are small, a few are large.  Users belong to
-- 1 to 5 orgs (2.3 on average).  Rows go straight into the orgs.* tables as
-- the superuser, respecting every constraint: each org has an admin, team
-- members are org members, team apps are owned by the team's org; the
-- owner_names rows are made by the extension's trigger.
--
-- Run with parallel query off (run.sh's cluster has
-- max_parallel_workers_per_gather = 0), so the sequence of random() values,
-- and hence the data, depends only on the seed.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET search_path = pg_catalog;

SELECT setseed(:seed);

-- k drawn from 1..n with P(k) ~ 1/k
CREATE FUNCTION pg_temp.zipf(n integer, u double precision) RETURNS integer
LANGUAGE sql IMMUTABLE
RETURN least(n, greatest(1, floor(exp(u * ln(n + 1)))::integer));

-- a uniform draw in [0, 1) determined by (a, b) and the seed: used where
-- rows come out of a join, whose order could change with the plan
CREATE FUNCTION pg_temp.h(a bigint, b bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE
RETURN (hashint8extended(a * 2654435761 + b, (:seed * 1000000)::bigint)
        & 9007199254740991)::double precision / 9007199254740992;

--------------------------------------------------------------------------
-- users and organizations
--------------------------------------------------------------------------
INSERT INTO orgs.users (id, handle, email, first_name, last_name)
SELECT g, 'u' || g, 'u' || g || '@bench.example', 'First' || g, 'Last' || g
  FROM generate_series(1, :n_users) g;

INSERT INTO orgs.organizations (id, org_id, name, billing_email)
SELECT g, 'org' || g, 'Organization ' || g, 'billing' || g || '@bench.example'
  FROM generate_series(1, :n_orgs) g;

--------------------------------------------------------------------------
-- memberships: each user joins 1..5 orgs drawn log-uniformly
--------------------------------------------------------------------------
CREATE TEMP TABLE gen_members AS
SELECT DISTINCT ON (o, u) o, u, r
  FROM (SELECT u,
               pg_temp.zipf(:n_orgs, random()) AS o,
               random() AS r
          FROM (SELECT u, 1 + (random() < 0.6)::int + (random() < 0.4)::int
                          + (random() < 0.2)::int + (random() < 0.1)::int AS n
                  FROM generate_series(1, :n_users) u) uu
         CROSS JOIN LATERAL generate_series(1, uu.n) j) s
 ORDER BY o, u, r;

-- every org has members: an org nobody drew gets one random user
INSERT INTO gen_members (o, u, r)
SELECT g, 1 + floor(random() * :n_users)::int, 0
  FROM generate_series(1, :n_orgs) g
 WHERE NOT EXISTS (SELECT 1 FROM gen_members m WHERE m.o = g)
 ORDER BY g;

INSERT INTO orgs.members (org_id, user_id, role)
SELECT o, u,
       (CASE WHEN x < 0.05 THEN 'admin'
             WHEN x < 0.15 THEN 'org_contributor'
             WHEN x < 0.50 THEN 'org_user'
             WHEN x < 0.90 THEN 'team_contributor'
             WHEN x < 0.95 THEN 'financial_manager'
             ELSE 'infrastructure_manager' END)::orgs.org_role
  FROM (SELECT o, u, pg_temp.h(o, u) AS x FROM gen_members) s
 ORDER BY o, u;

-- every org needs an admin: promote its first member where there is none
UPDATE orgs.members m SET role = 'admin'
  FROM (SELECT org_id, min(user_id) AS user_id FROM orgs.members
         GROUP BY org_id HAVING bool_and(role <> 'admin')) f
 WHERE m.org_id = f.org_id AND m.user_id = f.user_id;

--------------------------------------------------------------------------
-- teams: orgs drawn log-uniformly (big orgs have many teams)
--------------------------------------------------------------------------
INSERT INTO orgs.teams (id, org_id, team_id, name, default_permission)
SELECT g, pg_temp.zipf(:n_orgs, random()), 't' || g, 'Team ' || g,
       (ARRAY['full_access', 'model_trainer', 'labeler_lead',
              'labeler_worker'])[1 + floor(random() * 4)::int]::orgs.team_permission
  FROM generate_series(1, :n_teams) g;

-- team memberships: a member of an org with nt teams joins each of them
-- with probability min(1, c / nt), where c is the smallest value giving
-- about tpu memberships per user overall
CREATE TEMP TABLE gen_nt AS
SELECT org_id AS o, count(*)::int AS nt FROM orgs.teams GROUP BY org_id;

WITH h AS (SELECT t.nt, count(*) AS cnt
             FROM orgs.members m JOIN gen_nt t ON t.o = m.org_id
            GROUP BY t.nt)
SELECT coalesce(min(c), 1000000) AS team_c
  FROM (SELECT g / 10.0 AS c FROM generate_series(1, 20000) g) s
 WHERE (SELECT sum(h.cnt * least(h.nt, s.c)) FROM h) >= :tpu * :n_users
\gset

INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT m.org_id, t.id, m.user_id
  FROM orgs.members m
  JOIN gen_nt n ON n.o = m.org_id
  JOIN orgs.teams t ON t.org_id = m.org_id
 WHERE pg_temp.h(t.id, m.user_id) < least(1.0, :team_c::float8 / n.nt)
 ORDER BY m.org_id, t.id, m.user_id;

--------------------------------------------------------------------------
-- apps: 95% owned by orgs drawn log-uniformly, 5% personal
--------------------------------------------------------------------------
INSERT INTO orgs.apps (id, org_id, owner_user_id, app_id, description, is_public)
SELECT g,
       CASE WHEN personal THEN NULL ELSE pg_temp.zipf(:n_orgs, x) END,
       CASE WHEN personal THEN 1 + floor(x * :n_users)::int END,
       'a' || g, 'App ' || g,
       random() < 0.1
  FROM (SELECT g, random() < 0.05 AS personal, random() AS x
          FROM generate_series(1, :n_apps) g) s;

-- every org owns at least one app
INSERT INTO orgs.apps (id, org_id, app_id, description)
SELECT :n_apps + row_number() OVER (ORDER BY o.id), o.id,
       'a' || (:n_apps + row_number() OVER (ORDER BY o.id)), 'App'
  FROM orgs.organizations o
 WHERE NOT EXISTS (SELECT 1 FROM orgs.apps a WHERE a.org_id = o.id);

-- team grants: a team of an org with na apps holds each of them with
-- probability min(1, 5 / na), at a random level
CREATE TEMP TABLE gen_na AS
SELECT org_id AS o, count(*)::int AS na FROM orgs.apps WHERE org_id IS NOT NULL GROUP BY org_id;

INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT org_id, team_id, app_id,
       (CASE WHEN x < 0.2 THEN 'full_access'
             WHEN x < 0.5 THEN 'model_trainer'
             WHEN x < 0.7 THEN 'labeler_lead'
             ELSE 'labeler_worker' END)::orgs.team_permission
  FROM (SELECT t.org_id, t.id AS team_id, a.id AS app_id, n.na,
               pg_temp.h(t.id, a.id) AS p, pg_temp.h(a.id, -t.id) AS x
          FROM orgs.teams t
          JOIN gen_na n ON n.o = t.org_id
          JOIN orgs.apps a ON a.org_id = t.org_id) s
 WHERE s.p < least(1.0, 5.0 / s.na)
 ORDER BY team_id, app_id;

SELECT setval('orgs.users_id_seq', (SELECT max(id) FROM orgs.users));
SELECT setval('orgs.organizations_id_seq', (SELECT max(id) FROM orgs.organizations));
SELECT setval('orgs.teams_id_seq', (SELECT max(id) FROM orgs.teams));
SELECT setval('orgs.apps_id_seq', (SELECT max(id) FROM orgs.apps));

--------------------------------------------------------------------------
-- the protected application table: half the rows on apps drawn
-- uniformly, half log-uniformly (a few apps hold much of the data)
--------------------------------------------------------------------------
CREATE SCHEMA bench;
CREATE TABLE bench.resources (
    id      bigserial PRIMARY KEY,
    app_id  bigint NOT NULL,
    payload text NOT NULL
);
CREATE TEMP TABLE gen_apps AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM orgs.apps;
SELECT count(*) AS n_all_apps FROM gen_apps \gset

INSERT INTO bench.resources (app_id, payload)
SELECT a.id, md5(g::text) || md5((g * 7)::text)
  FROM (SELECT g, CASE WHEN random() < 0.5 THEN 1 + floor(random() * :n_all_apps)::int
                       ELSE pg_temp.zipf(:n_all_apps, random()) END AS n
          FROM generate_series(1, :n_res) g) s
  JOIN gen_apps a ON a.n = s.n
 ORDER BY s.g;
CREATE INDEX resources_app_id_idx ON bench.resources (app_id);

VACUUM (ANALYZE) orgs.users, orgs.organizations, orgs.owner_names, orgs.members,
    orgs.apps, orgs.teams, orgs.team_members, orgs.team_apps, bench.resources;
