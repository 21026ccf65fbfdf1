--------------------------------------------------------------------------
-- Scaling out with Citus (README.md, "Scaling out with Citus")
--------------------------------------------------------------------------
--
-- On a Citus cluster every table of pg_orgs is a reference table: each
-- node holds a copy of every row, and the engine answers a check from its
-- own node's copy (src/catalog.c).  A write changes every copy in one
-- distributed transaction (two-phase commit); the triggers fire on every
-- node and invalidate that node's caches (src/inval.c).  The acting user
-- reaches the workers in a token signed with the cluster key
-- (src/acting.c).  orgs.citus_setup() makes the tables reference tables.
-- Keys: a reference table has no distribution column, so the keys of the
-- tables of pg_orgs need no org_id (several rows belong to no organization
-- anyway: users, personal apps, audit entries of the model); the engine
-- answers from one user's rows across all of their organizations, on every
-- node, which splitting the catalog by tenant would turn into network
-- round trips.  Application tables distribute by app_id or org_id (the
-- reference schema: example.distribute()).

-- The cluster key: readable and writable by superusers only (no
-- privilege, row-level security forced, no policy).  A change makes every
-- backend read it again (the statement trigger queues a relcache
-- invalidation of the table, like the JWT keys').
ALTER TABLE orgs.cluster_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.cluster_key FORCE ROW LEVEL SECURITY;
REVOKE ALL ON orgs.cluster_key FROM PUBLIC;
CREATE OR REPLACE TRIGGER cluster_key_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.cluster_key
    FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.trg_jwt_changed();
COMMENT ON TRIGGER cluster_key_changed ON orgs.cluster_key IS 'Every backend reads the key again after a change.';

CREATE OR REPLACE FUNCTION orgs.rotate_cluster_key()
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE orgs.cluster_key
       SET key = pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                 OPERATOR(pg_catalog.||) pg_catalog.uuid_send(pg_catalog.gen_random_uuid()),
           created_at = pg_catalog.now();
END;
COMMENT ON FUNCTION orgs.rotate_cluster_key() IS
    'Replace the key that signs the acting-user token on a Citus cluster with a new random one (superusers; the tokens of transactions in progress stop verifying).';
REVOKE ALL ON FUNCTION orgs.rotate_cluster_key() FROM PUBLIC;

-- Make every table of the extension a Citus reference table, in the order
-- of their foreign keys (a reference table may only refer to reference
-- tables).  Run by a superuser on the coordinator, which must be in the
-- Citus metadata (citus_set_coordinator_host) so that it holds a copy too.
-- Existing rows are copied as they are, with the tables' triggers disabled
-- for the copy (on every node: the shards are made with them disabled, and
-- they are enabled again at the end; not the TRUNCATE triggers, which Citus
-- does not enable again on the shards, and which do nothing harmful to a
-- copy: statement triggers that invalidate caches, or refuse TRUNCATE):
-- the rows were consistent already,
-- and the rows the triggers derive (orgs.owner_names) are copied with
-- them.  The tables' own copies of the rows, which Citus no longer shows,
-- are then truncated (but where a table that is not in Citus yet refers to
-- them: run it again after distributing that table).  Tables that are
-- reference tables already are left alone: after ALTER EXTENSION pg_orgs
-- UPDATE, run it again (a new table; and the views of orgs, which it makes
-- read through orgs.view_rows(): see 48_policies.sql).
-- Two steps that orgs.citus_setup() and pg_orgs_example's
-- example.distribute() share.

CREATE OR REPLACE FUNCTION orgs_internal.disable_triggers(p_rels regclass[])
RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_trigger record;
    v_restore text[] := '{}';
BEGIN
    FOR v_trigger IN
        SELECT t.tgrelid::regclass AS rel, t.tgname, t.tgenabled
          FROM pg_trigger t
         WHERE t.tgrelid = ANY (p_rels) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
           AND t.tgtype::int & 32 = 0     -- (Citus cannot enable a TRUNCATE trigger of a shard again)
    LOOP
        v_restore := v_restore || format('ALTER TABLE %s ENABLE %s TRIGGER %I', v_trigger.rel,
                                         CASE v_trigger.tgenabled WHEN 'R' THEN 'REPLICA'
                                                                  WHEN 'A' THEN 'ALWAYS' ELSE '' END,
                                         v_trigger.tgname);
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', v_trigger.rel, v_trigger.tgname);
    END LOOP;
    RETURN v_restore;
END;
$$;
COMMENT ON FUNCTION orgs_internal.disable_triggers(regclass[]) IS
    'Internal: disable the enabled user triggers (but TRUNCATE triggers) of the tables; returns the statements that enable them again as they were.';

CREATE OR REPLACE FUNCTION orgs_internal.foreign_key_order(p_rels regclass[], p_what text)
RETURNS regclass[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_done regclass[] := '{}';
    v_next regclass;
BEGIN
    WHILE cardinality(v_done) < cardinality(p_rels) LOOP
        SELECT t INTO v_next
          FROM unnest(p_rels) AS t
         WHERE NOT t = ANY (v_done)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                            WHERE k.contype = 'f' AND k.conrelid = t AND k.confrelid <> t
                              AND k.confrelid = ANY (p_rels) AND NOT k.confrelid = ANY (v_done))
         ORDER BY t::text
         LIMIT 1;
        IF v_next IS NULL THEN
            RAISE EXCEPTION 'the foreign keys of the tables of % form a cycle', p_what;
        END IF;
        v_done := v_done || v_next;
    END LOOP;
    RETURN v_done;
END;
$$;
COMMENT ON FUNCTION orgs_internal.foreign_key_order(regclass[], text) IS
    'Internal: the tables ordered so that each comes after the tables of the list its foreign keys refer to (by name among equals); p_what names them in the error for a cycle.';

CREATE OR REPLACE FUNCTION orgs.citus_setup()
RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_saved text[];
    v_settings text[] := ARRAY['citus.enable_unsafe_triggers',
                               'citus.enable_local_reference_table_foreign_keys'];
    v_values text[] := ARRAY['on', 'off'];
    v_todo regclass[];
    v_next regclass;
    v_coordinator boolean;
    v_triggers text[];
    v_srr text;
    v_view text;
    v_columns text;
    v_list text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citus') THEN
        RAISE EXCEPTION 'extension "citus" is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = current_user AND r.rolsuper) THEN
        RAISE EXCEPTION 'permission denied to distribute the tables of pg_orgs'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only a superuser can run orgs.citus_setup().';
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n WHERE n.groupid = 0 AND n.noderole = ''primary'')'
        INTO v_coordinator;
    IF NOT v_coordinator THEN
        RAISE EXCEPTION 'the coordinator is not in the Citus metadata'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'pg_orgs reads its tables on every node that runs queries, the coordinator included.',
                  HINT = 'Run SELECT citus_set_coordinator_host(''<host>'', <port>); first.';
    END IF;

    -- The tables of the extension not yet in Citus.
    EXECUTE $q$
        SELECT pg_catalog.array_agg(c.oid::pg_catalog.regclass ORDER BY c.relname)
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_depend d
            ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
          JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_orgs'
         WHERE c.relkind = 'r'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = c.oid)
    $q$ INTO v_todo;
    v_todo := coalesce(v_todo, '{}');

    -- (these are read on this node only)
    v_saved := ARRAY(SELECT current_setting(x) FROM unnest(v_settings) x);
    FOR i IN 1 .. array_length(v_settings, 1) LOOP
        PERFORM set_config(v_settings[i], v_values[i], true);
    END LOOP;

    -- Their triggers off for the copy; each one's state is restored below.
    v_triggers := orgs_internal.disable_triggers(v_todo);
    -- Each table after those it refers to.
    FOREACH v_next IN ARRAY orgs_internal.foreign_key_order(v_todo, 'pg_orgs') LOOP
        EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING v_next;
        RETURN NEXT v_next;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(v_triggers, 1), 0) LOOP
        EXECUTE v_triggers[i];
    END LOOP;

    -- The rows the tables themselves still hold (Citus no longer shows
    -- them): gone (their TRUNCATE triggers off: on this node only), but
    -- from a table that a table not in Citus refers to (an application's
    -- table not distributed yet), whose foreign key still checks them; run
    -- orgs.citus_setup() again once it is.
    EXECUTE $q$
        SELECT pg_catalog.array_agg(p.logicalrelid ORDER BY p.logicalrelid::pg_catalog.text)
          FROM pg_catalog.pg_dist_partition p
          JOIN pg_catalog.pg_depend d
            ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = p.logicalrelid
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
          JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_orgs'
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                            WHERE k.contype = 'f' AND k.confrelid = p.logicalrelid
                              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition q
                                               WHERE q.logicalrelid = k.conrelid))
    $q$ INTO v_todo;
    v_srr := current_setting('session_replication_role');
    PERFORM set_config('session_replication_role', 'replica', true);
    FOREACH v_next IN ARRAY coalesce(v_todo, '{}') LOOP
        EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING v_next;
    END LOOP;
    PERFORM set_config('session_replication_role', v_srr, true);

    -- The views of orgs read their rows through orgs.view_rows() (see
    -- 48_policies.sql).
    FOR v_view IN SELECT unnest(ARRAY['me', 'my_orgs', 'my_invitations', 'org_invitations',
                                      'org_members', 'org_teams', 'app_teams'])
    LOOP
        SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum),
               string_agg(format('v.%I', a.attname), ', ' ORDER BY a.attnum)
          INTO v_columns, v_list
          FROM pg_attribute a
         WHERE a.attrelid = format('orgs_internal.%I', 'view_' || v_view)::regclass
           AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('CREATE OR REPLACE VIEW orgs.%I WITH (security_barrier) AS SELECT %s FROM orgs.view_rows(%L) AS v(%s)',
                       v_view, v_list, v_view, v_columns);
    END LOOP;

    FOR i IN 1 .. array_length(v_settings, 1) LOOP
        PERFORM set_config(v_settings[i], v_saved[i], true);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orgs.citus_setup() IS
    'On a Citus cluster (run by a superuser, on the coordinator, which must be in the metadata): make every table of pg_orgs a reference table, in the order of their foreign keys, existing rows copied as they are, and make the views of orgs read through orgs.view_rows(); returns the tables it distributed. Run it again after an update of the extension.';
REVOKE ALL ON FUNCTION orgs.citus_setup() FROM PUBLIC;
