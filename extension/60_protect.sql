--------------------------------------------------------------------------
-- Row-level security for application tables (orgs.protect_table)
--------------------------------------------------------------------------

-- An application table whose rows belong to an app (a bigint column holding
-- orgs.apps.id) or to an organization (orgs.organizations.id) is guarded by
-- four named policies, one per command:
--
--   pg_orgs_select  FOR SELECT USING (orgs.has_app_permission(col, 'p'))
--   pg_orgs_insert  FOR INSERT WITH CHECK (orgs.has_app_permission(col, 'p'))
--   pg_orgs_update  FOR UPDATE USING (...) WITH CHECK (...)
--   pg_orgs_delete  FOR DELETE USING (...)
--
-- (orgs.has_org_permission for tables of orgs).  The check is the engine's
-- per-row form: a memo probe per row, so a full scan costs the same for a
-- user who sees 10 apps or 10,000.  Its planner support (src/support.c)
-- turns it, for a btree index on the column, into the index condition
-- col = ANY (orgs.apps_with_permission('p')), computed once per scan, and
-- estimates its selectivity from the number of apps the user holds the
-- permission on: selective queries and users who see little keep the
-- index.  No sub-query: the same policies work on Citus tables
-- (distributed or reference, protected before or after they are
-- distributed; Citus copies the policies to every shard, so WITH CHECK
-- holds on the worker that writes the row), and a row_filter with a
-- sub-query on a Citus table is refused with an explanation.  Every
-- name in the generated expressions is schema-qualified, and the policy is
-- created under search_path = pg_catalog, pg_temp: the caller's
-- search_path at creation or at query time cannot change what the policy
-- means.  WITH CHECK on INSERT and UPDATE means a row can be written only
-- into an app (org) where the acting user holds the write permission: it
-- cannot be moved into an app the user may not write.  A command with no
-- policy is refused to everyone subject to row-level security (fail
-- closed).  On a partitioned table the policies guard queries through the
-- parent; protect the partitions too if they are queried directly.

-- orgs.protect_table and orgs.protect_org_table are one body, made for each
-- scope from the template below (SECURITY INVOKER: the caller must own the
-- table, and the policies are the caller's own work).
DO $do$
DECLARE
    v_template text := $body$
DECLARE
    p_scope orgs.permission_scope := '@SCOPE@';
    p_tbl regclass := tbl;
    p_column name := @COLUMN@;
    p_select text := select_permission;
    p_insert text := insert_permission;
    p_update text := update_permission;
    p_delete text := delete_permission;
    p_resource text := resource;
    p_row_filter text := row_filter;
    v_cmds text[] := ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    v_actions text[] := ARRAY['view', 'create', 'edit', 'delete'];
    v_given text[];
    v_lists text[] := ARRAY[NULL, NULL, NULL, NULL]::text[];
    v_list text;
    v_out text[];
    v_other orgs.permission_scope;
    v_rel record;
    v_att record;
    v_fn text := CASE p_scope WHEN 'app' THEN 'orgs.has_app_permission'
                              ELSE 'orgs.has_org_permission' END;
    v_caller text := CASE p_scope WHEN 'app' THEN 'orgs.protect_table'
                                  ELSE 'orgs.protect_org_table' END;
    v_kind text := CASE p_scope WHEN 'app' THEN 'app' ELSE 'organization' END;
    v_sel text;
    v_ins text;
    v_upd text;
    v_del text;
    v_filter text := '';
    v_name text;
    v_citus boolean;
BEGIN
    IF p_tbl IS NULL OR p_column IS NULL THEN
        RAISE EXCEPTION 'table and column must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT c.oid, c.relkind, c.relowner, c.relname, n.nspname
      INTO v_rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_tbl;
    IF v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', p_tbl::text
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Row-level security policies can be attached to tables and partitioned tables only.';
    END IF;
    IF NOT pg_has_role(current_user, v_rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', quote_ident(v_rel.relname)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only the owner of table %s can change its row-level security policies.', p_tbl::text);
    END IF;
    SELECT a.attname, a.atttypid INTO v_att
      FROM pg_attribute a
     WHERE a.attrelid = p_tbl AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', p_column, v_rel.relname
            USING ERRCODE = 'undefined_column';
    END IF;
    IF v_att.atttypid <> 'pg_catalog.int8'::regtype THEN
        RAISE EXCEPTION 'column "%" of relation "%" must be of type bigint', p_column, v_rel.relname
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('It is of type %s; it must hold the %s''s key (orgs.%s.id).',
                                  format_type(v_att.atttypid, NULL), v_kind,
                                  CASE p_scope WHEN 'app' THEN 'apps' ELSE 'organizations' END);
    END IF;
    IF p_resource IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM orgs.permissions p
             WHERE p.scope = p_scope
               AND split_part(p.name, '.', 1) = lower(btrim(p_resource))) THEN
        RAISE EXCEPTION 'unrecognized resource: "%"', p_resource
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('No %s-level permission is named "%s.*".', p_scope, lower(btrim(p_resource)));
    END IF;

    -- The permission list of each command: the explicit argument if given
    -- ('' or blank: no policy), else resource.<action> (and, for org scope,
    -- resource.manage when resource.<action> does not exist), else the
    -- default (SELECT: app.view or org.view; writes: no policy).  Every
    -- name must be a known permission of the scope.
    v_given := ARRAY[p_select, p_insert, p_update, p_delete];
    FOR i IN 1..4 LOOP
        IF v_given[i] IS NOT NULL THEN
            CONTINUE WHEN btrim(v_given[i]) = '';
            v_list := v_given[i];
        ELSIF p_resource IS NOT NULL THEN
            v_list := lower(btrim(p_resource)) || '.' || v_actions[i];
            IF NOT EXISTS (SELECT 1 FROM orgs.permissions p
                            WHERE p.scope = p_scope AND p.name = v_list) THEN
                IF p_scope = 'org' AND v_actions[i] <> 'view'
                   AND EXISTS (SELECT 1 FROM orgs.permissions p
                                WHERE p.scope = p_scope
                                  AND p.name = lower(btrim(p_resource)) || '.manage') THEN
                    v_list := lower(btrim(p_resource)) || '.manage';
                ELSE
                    RAISE EXCEPTION 'resource "%" has no "%" permission', p_resource, v_actions[i]
                        USING ERRCODE = 'invalid_parameter_value',
                              DETAIL = format('No %s-level permission is named "%s".', p_scope, v_list),
                              HINT = format('Pass %s_permission to name the permission %s needs, or '''' for no %s policy.',
                                            lower(v_cmds[i]), v_cmds[i], v_cmds[i]);
                END IF;
            END IF;
        ELSIF i = 1 THEN
            v_lists[i] := CASE p_scope WHEN 'app' THEN 'app.view' ELSE 'org.view' END;
            CONTINUE;
        ELSE
            CONTINUE;
        END IF;
        v_out := '{}';
        FOREACH v_name IN ARRAY string_to_array(v_list, ',') LOOP
            v_name := lower(btrim(v_name));
            IF NOT EXISTS (SELECT 1 FROM orgs.permissions p
                            WHERE p.scope = p_scope AND p.name = v_name) THEN
                v_other := CASE p_scope WHEN 'app' THEN 'org' ELSE 'app' END;
                IF EXISTS (SELECT 1 FROM orgs.permissions p
                            WHERE p.scope = v_other AND p.name = v_name) THEN
                    RAISE EXCEPTION 'permission "%" is not an %-level permission', v_name, p_scope
                        USING ERRCODE = 'invalid_parameter_value',
                              DETAIL = format('"%s" is checked on %s; %s needs %s-level permissions.',
                                              v_name,
                                              CASE v_other WHEN 'org' THEN 'organizations' ELSE 'apps' END,
                                              v_caller, p_scope),
                              HINT = CASE v_other WHEN 'org'
                                          THEN 'Use orgs.protect_org_table for tables whose rows belong to an organization.'
                                          ELSE 'Use orgs.protect_table for tables whose rows belong to an app.' END;
                END IF;
                RAISE EXCEPTION 'unrecognized permission: "%"', v_name
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF NOT v_name = ANY (v_out) THEN
                v_out := v_out || v_name;
            END IF;
        END LOOP;
        v_lists[i] := array_to_string(v_out, ',');
    END LOOP;
    v_sel := v_lists[1];
    v_ins := v_lists[2];
    v_upd := v_lists[3];
    v_del := v_lists[4];

    IF p_row_filter IS NOT NULL AND btrim(p_row_filter) <> '' THEN
        v_filter := ' AND (' || p_row_filter || ')';
        -- Citus refuses a sub-query in a policy of its tables: say so
        -- before it does, and what to do instead
        IF p_row_filter ~* '\mselect\M' AND EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citus') THEN
            EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1)'
                INTO v_citus USING p_tbl;
            IF v_citus THEN
                RAISE EXCEPTION 'row_filter cannot hold a sub-query: % is a Citus table', p_tbl::text
                    USING ERRCODE = 'feature_not_supported',
                          DETAIL = 'Citus refuses sub-queries in the policies of distributed and reference tables (the checks pg_orgs writes are per-row calls).',
                          HINT = 'Write row_filter as a condition on the row, or a call of a function of the row''s columns that reads only the rows of this node.';
            END IF;
        END IF;
    END IF;
    IF v_ins IS NULL AND v_upd IS NULL AND v_del IS NULL
       AND p_resource IS NULL AND p_insert IS NULL AND p_update IS NULL AND p_delete IS NULL THEN
        RAISE NOTICE '% is read-only for everyone subject to row-level security', p_tbl::text
            USING DETAIL = format('Without resource and without insert_permission, update_permission or delete_permission, %s creates a SELECT policy only (%s), and INSERT, UPDATE and DELETE are refused.', v_caller, v_sel),
                  HINT = CASE p_scope WHEN 'app'
                              THEN 'Pass resource => ''models'' (for models.view, models.create, models.edit, models.delete) or the *_permission arguments to allow writes.'
                              ELSE 'Pass resource => ''clusters'' (for clusters.view, and clusters.manage to write) or the *_permission arguments to allow writes.' END;
    END IF;

    FOR v_name IN
        SELECT p.polname FROM pg_policy p
         WHERE p.polrelid = p_tbl
           AND p.polname IN ('pg_orgs_select', 'pg_orgs_insert', 'pg_orgs_update', 'pg_orgs_delete')
    LOOP
        EXECUTE format('DROP POLICY %I ON %s', v_name, p_tbl::text);
    END LOOP;

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_tbl::text);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_tbl::text);

    IF v_sel IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_select ON %s AS PERMISSIVE FOR SELECT TO PUBLIC'
                       ' USING (%s(%I, %L::text)%s)',
                       p_tbl::text, v_fn, p_column, v_sel, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_select ON %s IS %L', p_tbl::text,
                       format('%s: SELECT needs %s-level "%s" on the row''s %s (column "%s").',
                              v_caller, p_scope, v_sel, v_kind, p_column));
    END IF;
    IF v_ins IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_insert ON %s AS PERMISSIVE FOR INSERT TO PUBLIC'
                       ' WITH CHECK (%s(%I, %L::text)%s)',
                       p_tbl::text, v_fn, p_column, v_ins, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_insert ON %s IS %L', p_tbl::text,
                       format('%s: INSERT needs %s-level "%s" on the new row''s %s (column "%s").',
                              v_caller, p_scope, v_ins, v_kind, p_column));
    END IF;
    IF v_upd IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_update ON %s AS PERMISSIVE FOR UPDATE TO PUBLIC'
                       ' USING (%s(%I, %L::text)%s)'
                       ' WITH CHECK (%s(%I, %L::text)%s)',
                       p_tbl::text, v_fn, p_column, v_upd, v_filter,
                       v_fn, p_column, v_upd, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_update ON %s IS %L', p_tbl::text,
                       format('%s: UPDATE needs %s-level "%s" on the row''s %s, before and after (column "%s").',
                              v_caller, p_scope, v_upd, v_kind, p_column));
    END IF;
    IF v_del IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_delete ON %s AS PERMISSIVE FOR DELETE TO PUBLIC'
                       ' USING (%s(%I, %L::text)%s)',
                       p_tbl::text, v_fn, p_column, v_del, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_delete ON %s IS %L', p_tbl::text,
                       format('%s: DELETE needs %s-level "%s" on the row''s %s (column "%s").',
                              v_caller, p_scope, v_del, v_kind, p_column));
    END IF;
END;
$body$;
    v_args text := 'select_permission text DEFAULT NULL, insert_permission text DEFAULT NULL, '
                   'update_permission text DEFAULT NULL, delete_permission text DEFAULT NULL, '
                   'resource text DEFAULT NULL, row_filter text DEFAULT NULL';
BEGIN
    EXECUTE pg_catalog.format(
        'CREATE OR REPLACE FUNCTION orgs.protect_table(tbl regclass, app_column name, %s) '
        'RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS %L',
        v_args, pg_catalog.replace(pg_catalog.replace(v_template, '@SCOPE@', 'app'), '@COLUMN@', 'app_column'));
    EXECUTE pg_catalog.format(
        'CREATE OR REPLACE FUNCTION orgs.protect_org_table(tbl regclass, org_column name, %s) '
        'RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS %L',
        v_args, pg_catalog.replace(pg_catalog.replace(v_template, '@SCOPE@', 'org'), '@COLUMN@', 'org_column'));
END;
$do$;
COMMENT ON FUNCTION orgs.protect_table(regclass, name, text, text, text, text, text, text) IS
$$Guard a table whose rows belong to an app (app_column: bigint, orgs.apps.id) with row-level security: enables and forces RLS and (re)creates policies pg_orgs_select/insert/update/delete, each requiring an app-level permission on the row's app with orgs.has_app_permission(app_column, ...) (a memo probe per row; a btree index on app_column stays usable through the check's planner support). INSERT and UPDATE also check the new row, so a row cannot be moved into an app the acting user may not write. resource => 'models' means models.view / models.create / models.edit / models.delete; an explicit *_permission (a comma-separated list: any one suffices) overrides it, and '' means no policy, so that command is refused. Without resource, SELECT needs app.view and writes are refused. row_filter is an extra boolean SQL expression ANDed into every policy (parsed with search_path = pg_catalog: qualify names). Only the table's owner may call it. Re-running replaces the policies; other policies on the table are left alone.$$;

COMMENT ON FUNCTION orgs.protect_org_table(regclass, name, text, text, text, text, text, text) IS
$$Guard a table whose rows belong to an organization (org_column: bigint, orgs.organizations.id) with row-level security: as orgs.protect_table, with org-level permissions checked by orgs.has_org_permission(org_column, ...). resource => 'clusters' means clusters.view for SELECT and, where clusters.create / .edit / .delete do not exist, clusters.manage for writes. Without resource, SELECT needs org.view and writes are refused.$$;

CREATE OR REPLACE FUNCTION orgs.unprotect_table(tbl regclass, disable_rls boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rel record;
    v_name text;
    v_found boolean := false;
BEGIN
    SELECT c.relkind, c.relowner, c.relname INTO v_rel FROM pg_class c WHERE c.oid = tbl;
    IF NOT FOUND OR v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl::text USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(current_user, v_rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', quote_ident(v_rel.relname)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only the owner of table %s can change its row-level security policies.', tbl::text);
    END IF;
    FOREACH v_name IN ARRAY ARRAY['pg_orgs_select', 'pg_orgs_insert', 'pg_orgs_update', 'pg_orgs_delete'] LOOP
        IF EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = tbl AND p.polname = v_name) THEN
            v_found := true;
            EXECUTE format('DROP POLICY %I ON %s', v_name, tbl::text);
        END IF;
    END LOOP;
    IF NOT v_found THEN
        RAISE EXCEPTION 'table % is not protected by pg_orgs', tbl::text
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'It has none of the policies pg_orgs_select, pg_orgs_insert, pg_orgs_update, pg_orgs_delete.';
    END IF;
    IF disable_rls THEN
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl::text);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl::text);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.unprotect_table(regclass, boolean) IS
    'Remove the policies orgs.protect_table / orgs.protect_org_table made (pg_orgs_select/insert/update/delete). Row-level security stays enabled and forced, so the table fails closed, unless disable_rls is true. Only the table''s owner may call it.';
