-- bench/sql/setup.sql: the baselines, the row-level security policies
-- under test, and the timing helpers.  Run by the superuser after
-- generate.sql, in each scale's database.
--
-- One table, bench.resources, carries one policy per variant, each
-- restricted to its own role (CREATE POLICY ... TO role): a query run under
-- SET ROLE bench_x is filtered by exactly the policy of variant x.
--
--   bench_floor  (d) no row-level security at all (BYPASSRLS): the floor
--   bench_a      (a) SQL function, STABLE SECURITY DEFINER SET search_path,
--                    per row (the way basejump's has_role_on_account is used)
--   bench_b      (b) the same in PL/pgSQL, per row
--   bench_c      (c) best set-based SQL: app_id = ANY (ARRAY(SELECT ...))
--   bench_row    ours, per row: orgs.has_app_permission(app_id, perm)
--   bench_set    ours, set-based: app_id = ANY ((SELECT orgs.apps_with_permission(perm))::bigint[])
--                (the cast keeps the parser from reading ANY ((SELECT ...)) as
--                ANY (subquery), which would compare app_id with the array)
--
-- Every variant computes E(u, a) = B(r) ∪ (T(u, a) ∩ C(r)) for one
-- app-level permission, personal apps included (PERMISSIONS.md section 4).

\set ON_ERROR_STOP on
SET client_min_messages = warning;

GRANT USAGE ON SCHEMA bench TO bench_floor, bench_a, bench_b, bench_c, bench_row, bench_set;
GRANT SELECT ON bench.resources TO bench_floor, bench_a, bench_b, bench_c, bench_row, bench_set;

--------------------------------------------------------------------------
-- (a) SQL, STABLE SECURITY DEFINER SET search_path
--------------------------------------------------------------------------

-- for the acting user (the policy form: the user is not an argument)
CREATE FUNCTION bench.sql_has_app_permission(p_app bigint, p_perm text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
               SELECT 1 FROM orgs.apps a
                WHERE a.id = p_app AND a.owner_user_id = orgs.current_user_id())
        OR EXISTS (
               SELECT 1
                 FROM orgs.apps a
                 JOIN orgs.members m ON m.org_id = a.org_id
                                    AND m.user_id = orgs.current_user_id()
                WHERE a.id = p_app
                  AND (EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                                WHERE b.role = m.role AND b.permission = p_perm)
                       OR (EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                                    WHERE c.role = m.role AND c.permission = p_perm)
                           AND EXISTS (SELECT 1
                                         FROM orgs.team_members tm
                                         JOIN orgs.team_apps ta ON ta.team_id = tm.team_id
                                                               AND ta.app_id = a.id
                                         JOIN orgs.team_level_permissions l
                                              ON l.level = ta.permission AND l.permission = p_perm
                                        WHERE tm.user_id = m.user_id AND tm.org_id = m.org_id))))
$$;

-- for a given user (point checks)
CREATE FUNCTION bench.sql_has_app_permission(p_user bigint, p_app bigint, p_perm text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
               SELECT 1 FROM orgs.apps a
                WHERE a.id = p_app AND a.owner_user_id = p_user)
        OR EXISTS (
               SELECT 1
                 FROM orgs.apps a
                 JOIN orgs.members m ON m.org_id = a.org_id AND m.user_id = p_user
                WHERE a.id = p_app
                  AND (EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                                WHERE b.role = m.role AND b.permission = p_perm)
                       OR (EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                                    WHERE c.role = m.role AND c.permission = p_perm)
                           AND EXISTS (SELECT 1
                                         FROM orgs.team_members tm
                                         JOIN orgs.team_apps ta ON ta.team_id = tm.team_id
                                                               AND ta.app_id = a.id
                                         JOIN orgs.team_level_permissions l
                                              ON l.level = ta.permission AND l.permission = p_perm
                                        WHERE tm.user_id = m.user_id AND tm.org_id = m.org_id))))
$$;

--------------------------------------------------------------------------
-- (b) the same in PL/pgSQL
--------------------------------------------------------------------------
CREATE FUNCTION bench.plpgsql_has_app_permission(p_user bigint, p_app bigint, p_perm text)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_org   bigint;
    v_owner bigint;
    v_role  orgs.org_role;
BEGIN
    SELECT a.org_id, a.owner_user_id INTO v_org, v_owner
      FROM orgs.apps a WHERE a.id = p_app;
    IF NOT FOUND OR p_user IS NULL THEN
        RETURN false;
    END IF;
    IF v_owner IS NOT NULL THEN
        RETURN v_owner = p_user;
    END IF;
    SELECT m.role INTO v_role
      FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = p_user;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                WHERE b.role = v_role AND b.permission = p_perm) THEN
        RETURN true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                    WHERE c.role = v_role AND c.permission = p_perm) THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1
                     FROM orgs.team_members tm
                     JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
                     JOIN orgs.team_level_permissions l
                          ON l.level = ta.permission AND l.permission = p_perm
                    WHERE tm.user_id = p_user AND tm.org_id = v_org);
END;
$$;

CREATE FUNCTION bench.plpgsql_has_app_permission(p_app bigint, p_perm text)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_user  bigint := orgs.current_user_id();
    v_org   bigint;
    v_owner bigint;
    v_role  orgs.org_role;
BEGIN
    SELECT a.org_id, a.owner_user_id INTO v_org, v_owner
      FROM orgs.apps a WHERE a.id = p_app;
    IF NOT FOUND OR v_user IS NULL THEN
        RETURN false;
    END IF;
    IF v_owner IS NOT NULL THEN
        RETURN v_owner = v_user;
    END IF;
    SELECT m.role INTO v_role
      FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_user;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                WHERE b.role = v_role AND b.permission = p_perm) THEN
        RETURN true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                    WHERE c.role = v_role AND c.permission = p_perm) THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1
                     FROM orgs.team_members tm
                     JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
                     JOIN orgs.team_level_permissions l
                          ON l.level = ta.permission AND l.permission = p_perm
                    WHERE tm.user_id = v_user AND tm.org_id = v_org);
END;
$$;

--------------------------------------------------------------------------
-- (c) set-based SQL: the apps the acting user holds p_perm on
--------------------------------------------------------------------------
CREATE FUNCTION bench.sql_apps_with_permission(p_perm text)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id FROM orgs.apps a
     WHERE a.owner_user_id = orgs.current_user_id()
    UNION
    SELECT a.id
      FROM orgs.members m
      JOIN orgs.apps a ON a.org_id = m.org_id
     WHERE m.user_id = orgs.current_user_id()
       AND EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                    WHERE b.role = m.role AND b.permission = p_perm)
    UNION
    SELECT ta.app_id
      FROM orgs.team_members tm
      JOIN orgs.members m ON m.org_id = tm.org_id AND m.user_id = tm.user_id
      JOIN orgs.team_apps ta ON ta.team_id = tm.team_id
      JOIN orgs.team_level_permissions l ON l.level = ta.permission AND l.permission = p_perm
     WHERE tm.user_id = orgs.current_user_id()
       AND EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                    WHERE c.role = m.role AND c.permission = p_perm)
$$;

REVOKE ALL ON FUNCTION bench.sql_has_app_permission(bigint, text),
    bench.sql_has_app_permission(bigint, bigint, text),
    bench.plpgsql_has_app_permission(bigint, text),
    bench.plpgsql_has_app_permission(bigint, bigint, text),
    bench.sql_apps_with_permission(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bench.sql_has_app_permission(bigint, text) TO bench_a;
GRANT EXECUTE ON FUNCTION bench.plpgsql_has_app_permission(bigint, text) TO bench_b;
GRANT EXECUTE ON FUNCTION bench.sql_apps_with_permission(text) TO bench_c;

--------------------------------------------------------------------------
-- The policies under test
--------------------------------------------------------------------------
ALTER TABLE bench.resources ENABLE ROW LEVEL SECURITY;

CREATE POLICY v_a ON bench.resources FOR SELECT TO bench_a
    USING (bench.sql_has_app_permission(app_id, 'models.view'));
CREATE POLICY v_b ON bench.resources FOR SELECT TO bench_b
    USING (bench.plpgsql_has_app_permission(app_id, 'models.view'));
CREATE POLICY v_c ON bench.resources FOR SELECT TO bench_c
    USING (app_id = ANY (ARRAY(SELECT bench.sql_apps_with_permission('models.view'))));
CREATE POLICY v_row ON bench.resources FOR SELECT TO bench_row
    USING (orgs.has_app_permission(app_id, 'models.view'));
CREATE POLICY v_set ON bench.resources FOR SELECT TO bench_set
    USING (app_id = ANY ((SELECT orgs.apps_with_permission('models.view'))::bigint[]));

-- One row per app, under the same policies: every variant must let the
-- same acting user see the same apps (checked before any timing).
CREATE TABLE bench.app_probe (app_id bigint PRIMARY KEY);
INSERT INTO bench.app_probe SELECT id FROM orgs.apps;
ALTER TABLE bench.app_probe ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON bench.app_probe TO bench_floor, bench_a, bench_b, bench_c, bench_row, bench_set;
CREATE POLICY v_a ON bench.app_probe FOR SELECT TO bench_a
    USING (bench.sql_has_app_permission(app_id, 'models.view'));
CREATE POLICY v_b ON bench.app_probe FOR SELECT TO bench_b
    USING (bench.plpgsql_has_app_permission(app_id, 'models.view'));
CREATE POLICY v_c ON bench.app_probe FOR SELECT TO bench_c
    USING (app_id = ANY (ARRAY(SELECT bench.sql_apps_with_permission('models.view'))));
CREATE POLICY v_row ON bench.app_probe FOR SELECT TO bench_row
    USING (orgs.has_app_permission(app_id, 'models.view'));
CREATE POLICY v_set ON bench.app_probe FOR SELECT TO bench_set
    USING (app_id = ANY ((SELECT orgs.apps_with_permission('models.view'))::bigint[]));

--------------------------------------------------------------------------
-- Results and the timing driver
--------------------------------------------------------------------------
CREATE TABLE bench.results (
    scale    text NOT NULL,
    workload text NOT NULL,
    variant  text NOT NULL,
    rep      integer NOT NULL,
    ms       double precision NOT NULL,
    n        bigint NOT NULL,      -- operations per repetition (checks, rows scanned, ...)
    result   text                  -- what the query returned (compared across variants)
);

CREATE TABLE bench.facts (
    scale text NOT NULL,
    key   text NOT NULL,
    value text NOT NULL
);

-- Run every variant's query p_warmup times, then p_reps rounds of one
-- execution of each variant (the order rotating from round to round, so
-- that a burst of load on the machine falls on all variants alike).  Each
-- query runs under its variant's role (SET LOCAL ROLE) and is timed with
-- clock_timestamp().  Raises an error unless every variant whose result
-- is compared returned the same result in every round.
CREATE FUNCTION bench.run(p_scale text, p_workload text, p_n bigint,
                          p_variants text[], p_roles text[], p_queries text[],
                          p_reps integer, p_warmup integer DEFAULT 1,
                          p_compare text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nv      integer := array_length(p_variants, 1);
    v       integer;
    t0      timestamptz;
    t1      timestamptz;
    res     text;
    ref     text;
    ms      double precision[] := '{}';
    results text[] := '{}';
    vs      integer[] := '{}';
    reps    integer[] := '{}';
BEGIN
    FOR r IN 1 .. p_warmup LOOP
        FOR i IN 1 .. nv LOOP
            PERFORM set_config('role', p_roles[i], true);
            EXECUTE p_queries[i] INTO res;
            PERFORM set_config('role', 'none', true);
        END LOOP;
    END LOOP;
    FOR r IN 1 .. p_reps LOOP
        FOR j IN 0 .. nv - 1 LOOP
            v := 1 + (j + r - 1) % nv;
            PERFORM set_config('role', p_roles[v], true);
            t0 := clock_timestamp();
            EXECUTE p_queries[v] INTO res;
            t1 := clock_timestamp();
            PERFORM set_config('role', 'none', true);
            ms := ms || (extract(epoch FROM t1 - t0) * 1000)::double precision;
            results := results || res;
            vs := vs || v;
            reps := reps || r;
        END LOOP;
    END LOOP;
    FOR k IN 1 .. array_length(ms, 1) LOOP
        INSERT INTO bench.results VALUES (p_scale, p_workload, p_variants[vs[k]],
                                          reps[k], ms[k], p_n, results[k]);
        IF p_compare IS NULL OR p_variants[vs[k]] = ANY (p_compare) THEN
            IF ref IS NULL THEN
                ref := results[k];
            ELSIF results[k] IS DISTINCT FROM ref THEN
                RAISE EXCEPTION 'bench: % at scale %: variant % returned %, another variant returned %',
                    p_workload, p_scale, p_variants[vs[k]], results[k], ref;
            END IF;
        END IF;
    END LOOP;
END;
$$;
