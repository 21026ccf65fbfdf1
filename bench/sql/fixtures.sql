-- bench/sql/fixtures.sql: the fixtures of the cache and invalidation
-- workloads, loaded after workloads.sql (so they do not change the data
-- the other workloads ran on).  psql variable: scale.
--
-- cachefix: an org with 10,000 apps and 1,000 teams; team i holds 10 of
--   its apps at level model_trainer; user cache_tN (a team_contributor) is
--   in teams 1..N, so it holds 10 * N team grants; cache_admin is its admin.
-- hotfix: an org with 10 apps and 10 teams; team j holds app j at level
--   model_trainer or labeler_worker (the grants the pgbench writes flip);
--   users hot_1..hot_50 are team_contributors, five in each team, so
--   whether they hold models.view on their team's app depends only on the
--   grant's current level.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET search_path = pg_catalog;

--------------------------------------------------------------------------
-- cachefix
--------------------------------------------------------------------------
INSERT INTO orgs.organizations (org_id, name) VALUES ('cachefix', 'Cache fixture');
SELECT id AS cf_org FROM orgs.organizations WHERE org_id = 'cachefix' \gset
INSERT INTO orgs.users (handle, email)
SELECT h, h || '@bench.example'
  FROM unnest(ARRAY['cache_admin', 'cache_t1', 'cache_t10', 'cache_t100', 'cache_t1000']) h;
INSERT INTO orgs.members (org_id, user_id, role)
SELECT :cf_org, id, CASE WHEN handle = 'cache_admin' THEN 'admin' ELSE 'team_contributor' END::orgs.org_role
  FROM orgs.users WHERE handle LIKE 'cache\_%';
CREATE TEMP TABLE cf_apps AS
SELECT g AS n, nextval('orgs.apps_id_seq') AS id FROM generate_series(1, 10000) g;
INSERT INTO orgs.apps (id, org_id, app_id) SELECT id, :cf_org, 'cf' || n FROM cf_apps ORDER BY n;
CREATE TEMP TABLE cf_teams AS
SELECT g AS n, nextval('orgs.teams_id_seq') AS id FROM generate_series(1, 1000) g;
INSERT INTO orgs.teams (id, org_id, team_id, name, default_permission)
SELECT id, :cf_org, 'cft' || n, 'Cache team ' || n, 'model_trainer' FROM cf_teams ORDER BY n;
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT :cf_org, t.id, a.id, 'model_trainer'
  FROM cf_teams t JOIN cf_apps a ON (a.n - 1) / 10 + 1 = t.n
 ORDER BY t.n, a.n;
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT :cf_org, t.id, u.id
  FROM orgs.users u
  JOIN cf_teams t ON t.n <= substr(u.handle, 8)::int
 WHERE u.handle LIKE 'cache\_t%'
 ORDER BY u.id, t.n;

CREATE TABLE bench.cache_fixtures (fixture text, user_id bigint, app_id bigint,
                                   teams integer, grants integer, set_form boolean);
INSERT INTO bench.cache_fixtures
SELECT 'user in ' || substr(u.handle, 8) || ' team' || CASE WHEN u.handle = 'cache_t1' THEN '' ELSE 's' END,
       u.id, (SELECT id FROM cf_apps WHERE n = 1),
       substr(u.handle, 8)::int, 10 * substr(u.handle, 8)::int, true
  FROM orgs.users u WHERE u.handle LIKE 'cache\_t%'
UNION ALL
SELECT 'admin of an org with 10,000 apps', u.id, (SELECT id FROM cf_apps WHERE n = 1), 0, 0, true
  FROM orgs.users u WHERE u.handle = 'cache_admin';

--------------------------------------------------------------------------
-- onefix: user cache_o1 is an org_user of one small org (10 apps, no
-- teams): the cold build of a user in 1 org
--------------------------------------------------------------------------
INSERT INTO orgs.organizations (org_id, name) VALUES ('onefix', 'One-org fixture');
SELECT id AS of_org FROM orgs.organizations WHERE org_id = 'onefix' \gset
INSERT INTO orgs.users (handle, email) VALUES ('cache_o1', 'cache_o1@bench.example');
INSERT INTO orgs.members (org_id, user_id, role)
SELECT :of_org, id, 'org_user' FROM orgs.users WHERE handle = 'cache_o1';
INSERT INTO orgs.apps (org_id, app_id) SELECT :of_org, 'of' || g FROM generate_series(1, 10) g;
INSERT INTO bench.cache_fixtures
SELECT 'user in 1 org', u.id,
       (SELECT id FROM orgs.apps WHERE org_id = :of_org AND app_id = 'of1'), 0, 0, true
  FROM orgs.users u WHERE u.handle = 'cache_o1';

--------------------------------------------------------------------------
-- traffic: the grant-changing transactions of the 8-client pgbench runs,
-- spread over many orgs: for each of up to 1,000 generated orgs (drawn by
-- a seeded hash), one team grant (its level flips between model_trainer
-- and labeler_worker) and one member who is an org_user or a
-- team_contributor (the role flips between the two)
--------------------------------------------------------------------------
CREATE TABLE bench.traffic_writes (k integer PRIMARY KEY, kind text NOT NULL, org_id bigint NOT NULL,
                                   team_id bigint, app_id bigint, user_id bigint);
CREATE TEMP TABLE tw_orgs AS
SELECT id FROM orgs.organizations WHERE org_id::text ~ '^org[0-9]+$'
 ORDER BY hashint8extended(id, 53), id LIMIT 1000;
INSERT INTO bench.traffic_writes (k, kind, org_id, team_id, app_id, user_id)
SELECT row_number() OVER (ORDER BY hashint8extended(org_id * 2 + (kind = 'role')::int, 59), org_id, kind),
       kind, org_id, team_id, app_id, user_id
  FROM ((SELECT DISTINCT ON (ta.org_id) 'grant' AS kind, ta.org_id, ta.team_id, ta.app_id, NULL::bigint AS user_id
           FROM orgs.team_apps ta JOIN tw_orgs o ON o.id = ta.org_id
          ORDER BY ta.org_id, hashint8extended(ta.team_id * 1000003 + ta.app_id, 61), ta.team_id, ta.app_id)
        UNION ALL
        (SELECT DISTINCT ON (m.org_id) 'role', m.org_id, NULL, NULL, m.user_id
           FROM orgs.members m JOIN tw_orgs o ON o.id = m.org_id
          WHERE m.role IN ('org_user', 'team_contributor')
          ORDER BY m.org_id, hashint8extended(m.user_id, 67), m.user_id)) w;

CREATE FUNCTION bench.traffic_write(p_k integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w bench.traffic_writes;
BEGIN
    SELECT * INTO STRICT w FROM bench.traffic_writes WHERE k = p_k;
    IF w.kind = 'grant' THEN
        UPDATE orgs.team_apps
           SET permission = CASE WHEN permission = 'model_trainer' THEN 'labeler_worker'
                                 ELSE 'model_trainer' END::orgs.team_permission
         WHERE team_id = w.team_id AND app_id = w.app_id;
    ELSE
        UPDATE orgs.members
           SET role = CASE WHEN role = 'org_user' THEN 'team_contributor' ELSE 'org_user' END::orgs.org_role
         WHERE org_id = w.org_id AND user_id = w.user_id;
    END IF;
END;
$$;

-- the attacker of the attacker row: a registered user in no organization
SELECT orgs.register_user('bench_attacker', 'bench_attacker@bench.example');

CREATE TABLE bench.traffic (
    scale text, variant text,   -- floor, ours; alone, decoy, attack
    rate integer,               -- percentage of grant-changing transactions
    rep integer, tps double precision, xacts bigint,
    attacker_xacts bigint,      -- loops of the attacker (decoy, attack)
    tps_whole double precision  -- tps: the steady state; this: the whole run
);
-- filled by sql/ncurve.sql at one scale
CREATE TABLE bench.ncurve (scale text, n integer, query text, variant text, rep integer,
                           ms double precision, nrows bigint, result text);
CREATE TABLE bench.ncurve_plans (scale text, n integer, query text, variant text,
                                 uses_index boolean, nodes text);

--------------------------------------------------------------------------
-- hotfix
--------------------------------------------------------------------------
INSERT INTO orgs.organizations (org_id, name) VALUES ('hotfix', 'Invalidation fixture');
SELECT id AS hf_org FROM orgs.organizations WHERE org_id = 'hotfix' \gset
INSERT INTO orgs.users (handle, email)
SELECT 'hot_' || g, 'hot_' || g || '@bench.example' FROM generate_series(0, 50) g;
INSERT INTO orgs.members (org_id, user_id, role)
SELECT :hf_org, id, CASE WHEN handle = 'hot_0' THEN 'admin' ELSE 'team_contributor' END::orgs.org_role
  FROM orgs.users WHERE handle LIKE 'hot\_%';
CREATE TEMP TABLE hf AS
SELECT g, nextval('orgs.apps_id_seq') AS app_id, nextval('orgs.teams_id_seq') AS team_id
  FROM generate_series(1, 10) g;
INSERT INTO orgs.apps (id, org_id, app_id) SELECT app_id, :hf_org, 'hf' || g FROM hf ORDER BY g;
INSERT INTO orgs.teams (id, org_id, team_id, name, default_permission)
SELECT team_id, :hf_org, 'hft' || g, 'Hot team ' || g, 'model_trainer' FROM hf ORDER BY g;
INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
SELECT :hf_org, team_id, app_id,
       CASE WHEN g % 2 = 0 THEN 'model_trainer' ELSE 'labeler_worker' END::orgs.team_permission
  FROM hf ORDER BY g;
INSERT INTO orgs.team_members (org_id, team_id, user_id)
SELECT :hf_org, hf.team_id, u.id
  FROM orgs.users u JOIN hf ON hf.g = (substr(u.handle, 5)::int - 1) / 5 + 1
 WHERE u.handle LIKE 'hot\_%' AND u.handle <> 'hot_0'
 ORDER BY u.id;

CREATE TABLE bench.hot_grants (g integer PRIMARY KEY, team_id bigint, app_id bigint);
INSERT INTO bench.hot_grants SELECT g, team_id, app_id FROM hf;
CREATE TABLE bench.hot_pairs (k integer PRIMARY KEY, g integer, user_id bigint, app_id bigint);
INSERT INTO bench.hot_pairs
SELECT row_number() OVER (ORDER BY u.id), hf.g, u.id, hf.app_id
  FROM orgs.users u JOIN hf ON hf.g = (substr(u.handle, 5)::int - 1) / 5 + 1
 WHERE u.handle LIKE 'hot\_%' AND u.handle <> 'hot_0';

-- what the pgbench verification run records
CREATE UNLOGGED TABLE bench.verify_log (
    pid       integer,
    ts        timestamptz,
    own_write boolean,     -- the check right after this session's own write
    g         integer,
    ours      boolean,     -- the C engine's answer
    fresh     boolean,     -- SQL, with the statement's snapshot (taken before the engine call)
    after     boolean      -- SQL, with a snapshot taken after the engine call
);

-- The same rule as bench.sql_has_app_permission, read with a snapshot of
-- its own: VOLATILE (and not inlinable, because of SET), so in READ
-- COMMITTED its query takes a new snapshot when it runs.  Called after the
-- engine in the same target list, it tells a check that saw a grant change
-- committed while its statement ran (allowed: the engine reads what is
-- committed now) from a stale one (the engine behind both snapshots).
CREATE FUNCTION bench.sql_has_app_permission_now(p_user bigint, p_app bigint, p_perm text)
RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT bench.sql_has_app_permission(p_user, p_app, p_perm) $$;
CREATE UNLOGGED TABLE bench.write_log (pid integer, ts timestamptz, g integer);

CREATE TABLE bench.cache_results (
    scale text, fixture text, rep integer,
    bytes_empty bigint,        -- cache_stats().bytes with only the matrix loaded
    build_ms double precision, -- first check of the user: builds its entry
    hit_us double precision,   -- the same check again
    bytes_user bigint,         -- after the build
    set_ms double precision,   -- first apps_with_permission() as that user
    set_again_ms double precision,
    set_n integer,             -- apps in the set
    bytes_set bigint,          -- after it
    sql_set_ms double precision     -- (c) the same set, in SQL
);

-- The cold builds across scales (bench/run.sh, after every scale is
-- loaded): the build alone, one fresh connection per probe, the same
-- warm-up as bench.cache_probe (hot_0, then hot_1), then the fixture's
-- first check.  The rounds visit the scales' databases in turn, so the
-- machine's drift over the run falls on every scale alike.
-- With p_pages, the fixture's first check runs under EXPLAIN instead of
-- being timed: what the build reads, the shared buffers (pages) it
-- touches.  That grows with the depth of the B-trees the build descends,
-- the only part of a build that depends on the size of the tables.
CREATE TABLE bench.cache_cross (scale text, fixture text, rep integer, build_ms double precision);
CREATE TABLE bench.cache_pages (scale text, fixture text, pages integer);
CREATE TABLE bench.cache_rebuild (scale text, fixture text, rep integer, build_ms double precision);

-- The point checks across scales (bench/run.sh, after every scale is
-- loaded, in the same interleaved rounds as the cold builds): one fresh
-- connection per visit runs the point-check loop of workloads.sql once
-- for each variant as a warm-up (the 500 users built, the statements
-- planned), then 3 times each, (d) floor and ours, cached, alternating.
-- Each scale's own point checks ran at a different moment of the run,
-- and the floor (a loop of 100 ns per pair) moves with the machine's
-- load as much as ours does; here every round measures every scale
-- within seconds, so the cost per check is compared at the same moment.
CREATE TABLE bench.point_cross (scale text, rep integer, variant text, ms double precision,
                                n bigint, result bigint);
CREATE FUNCTION bench.point_probe(p_scale text, p_rep integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n  bigint;
    r  bigint;
    t0 timestamptz;
    ms double precision;
    v  text;
BEGIN
    SELECT count(*) INTO n FROM bench.pairs;
    PERFORM count(*) FILTER (WHERE p.app_id > 0) FROM bench.pairs p;
    PERFORM count(*) FILTER (WHERE orgs.has_app_permission(p.user_id, p.app_id, 'models.view'))
       FROM bench.pairs p;
    FOR i IN 0 .. 5 LOOP
        v := CASE WHEN (i + p_rep) % 2 = 0 THEN '(d) floor' ELSE 'ours, cached' END;
        t0 := clock_timestamp();
        IF v = '(d) floor' THEN
            SELECT count(*) FILTER (WHERE p.app_id > 0) INTO r FROM bench.pairs p;
        ELSE
            SELECT count(*) FILTER (WHERE orgs.has_app_permission(p.user_id, p.app_id, 'models.view'))
              INTO r FROM bench.pairs p;
        END IF;
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        INSERT INTO bench.point_cross VALUES (p_scale, p_rep, v, ms, n, r);
    END LOOP;
END;
$$;
CREATE FUNCTION bench.cold_probe(p_scale text, p_rep integer, p_fixture text, p_pages boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f  bench.cache_fixtures;
    t0 timestamptz;
    ms double precision;
    b  boolean;
    u  bigint;
    w  bigint[];
    j  json;
BEGIN
    SELECT array_agg(id ORDER BY handle) INTO w FROM orgs.users WHERE handle IN ('hot_0', 'hot_1');
    SELECT * INTO STRICT f FROM bench.cache_fixtures WHERE fixture = p_fixture;
    FOR i IN -1 .. 1 LOOP
        u := CASE WHEN i <= 0 THEN w[i + 2] ELSE f.user_id END;
        IF i = 1 AND p_pages THEN
            EXECUTE format('EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF, FORMAT JSON) '
                           'SELECT orgs.has_app_permission(%s::bigint, %s::bigint, %L)',
                           u, f.app_id, 'models.view') INTO j;
            INSERT INTO bench.cache_pages
            VALUES (p_scale, p_fixture,
                    (j -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::integer
                    + (j -> 0 -> 'Plan' ->> 'Shared Read Blocks')::integer);
            RETURN;
        END IF;
        t0 := clock_timestamp();
        b := orgs.has_app_permission(u, f.app_id, 'models.view');
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    END LOOP;
    INSERT INTO bench.cache_cross VALUES (p_scale, p_fixture, p_rep, ms);
END;
$$;

-- The build after an invalidation of the user alone, in a connection that
-- has built the user once (the statement planned, the relations open, the
-- user's teams' grants in the cache, as in a backend that has been
-- serving): p_k times, an update of the user's row (its external_id set
-- or cleared, which sends the user's code; an update that changes nothing
-- the engine reads sends nothing) and its commit, then the fixture's
-- check, timed; the median of the p_k builds is stored.  A procedure:
-- each update is committed
-- before the check that follows it (no SET clause: it would forbid the
-- commits; every name is qualified).
CREATE PROCEDURE bench.rebuild_probe(p_scale text, p_rep integer, p_fixture text, p_k integer)
LANGUAGE plpgsql
AS $$
DECLARE
    f  bench.cache_fixtures;
    t0 timestamptz;
    ms double precision[] := '{}';
    b  boolean;
    s  bigint;
BEGIN
    SELECT * INTO STRICT f FROM bench.cache_fixtures WHERE fixture = p_fixture;
    FOR i IN 0 .. p_k LOOP
        UPDATE orgs.users
           SET external_id = CASE WHEN external_id IS NULL THEN 'rebuild-probe-' || id END
         WHERE id = f.user_id;
        COMMIT;
        SELECT builds INTO s FROM orgs.cache_stats();
        t0 := clock_timestamp();
        b := orgs.has_app_permission(f.user_id, f.app_id, 'models.view');
        IF i > 0 THEN
            ms := ms || extract(epoch FROM clock_timestamp() - t0) * 1000;
        END IF;
        IF (SELECT builds FROM orgs.cache_stats()) <> s + 1 THEN
            RAISE EXCEPTION 'rebuild_probe: the check after the update did not build the user (% builds)',
                (SELECT builds FROM orgs.cache_stats()) - s;
        END IF;
    END LOOP;
    UPDATE orgs.users SET external_id = NULL WHERE id = f.user_id AND external_id IS NOT NULL;
    INSERT INTO bench.cache_rebuild
    SELECT p_scale, p_fixture, p_rep, percentile_cont(0.5) WITHIN GROUP (ORDER BY m)
      FROM unnest(ms) m;
    COMMIT;
END;
$$;

-- One cold-cache probe, run in a fresh connection (the cache is empty).
-- Each timed statement runs four times: first for two warm-up users of
-- the hot fixture (hot_0, an admin, and hot_1, in one team): this plans
-- the statement, loads the matrix and opens every relation and index the
-- build reads, so that what is timed next is the fixture's own build; then
-- for the fixture (the build), then again (a cache hit).
CREATE FUNCTION bench.cache_probe(p_scale text, p_rep integer, p_fixture text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f  bench.cache_fixtures;
    h  text;
    t0 timestamptz;
    ms double precision;
    r  bench.cache_results;
    b  boolean;
    a  bigint[];
    n  bigint;
    u  bigint;
    w  bigint[];
    wh text[];
BEGIN
    SELECT array_agg(id ORDER BY handle), array_agg(handle ORDER BY handle) INTO w, wh
      FROM orgs.users WHERE handle IN ('hot_0', 'hot_1');
    SELECT * INTO STRICT f FROM bench.cache_fixtures WHERE fixture = p_fixture;
    SELECT handle INTO h FROM orgs.users WHERE id = f.user_id;
    r.scale := p_scale; r.fixture := p_fixture; r.rep := p_rep;

    FOR i IN -1 .. 2 LOOP
        u := CASE WHEN i <= 0 THEN w[i + 2] ELSE f.user_id END;
        IF i = 1 THEN
            SELECT bytes INTO r.bytes_empty FROM orgs.cache_stats();
        END IF;
        t0 := clock_timestamp();
        b := orgs.has_app_permission(u, f.app_id, 'models.view');
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        IF i = 1 THEN r.build_ms := ms; ELSIF i = 2 THEN r.hit_us := ms * 1000; END IF;
    END LOOP;
    SELECT bytes INTO r.bytes_user FROM orgs.cache_stats();

    FOR i IN -1 .. 2 LOOP
        PERFORM orgs.act_as(CASE WHEN i <= 0 THEN wh[i + 2] ELSE h END, false);
        t0 := clock_timestamp();
        a := orgs.apps_with_permission('models.view');
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        IF i = 1 THEN r.set_ms := ms; ELSIF i = 2 THEN r.set_again_ms := ms; END IF;
    END LOOP;
    r.set_n := coalesce(array_length(a, 1), 0);
    SELECT bytes INTO r.bytes_set FROM orgs.cache_stats();

    FOR i IN -1 .. 1 LOOP
        PERFORM orgs.act_as(CASE WHEN i <= 0 THEN wh[i + 2] ELSE h END, false);
        t0 := clock_timestamp();
        SELECT count(*) INTO n FROM bench.sql_apps_with_permission('models.view');
        r.sql_set_ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    END LOOP;
    IF n <> r.set_n THEN
        RAISE EXCEPTION 'bench: % at scale %: apps_with_permission() has % apps, the SQL set %',
            p_fixture, p_scale, r.set_n, n;
    END IF;
    PERFORM orgs.act_as(NULL, false);
    INSERT INTO bench.cache_results SELECT r.*;
END;
$$;

VACUUM (ANALYZE) orgs.users, orgs.organizations, orgs.owner_names, orgs.members,
    orgs.apps, orgs.teams, orgs.team_members, orgs.team_apps;
