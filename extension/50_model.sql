--------------------------------------------------------------------------
-- The permission model as data: integrity of the model tables, the
-- administration API (for the DBA), export and import as JSON, and the
-- roles an organization defines for itself.
--------------------------------------------------------------------------
--
-- The tables (00_schema.sql): orgs.permissions, orgs.roles (role_scope 0:
-- a role of every organization; otherwise the key of the one org that
-- defined it), orgs.team_levels, and what each grants:
-- orgs.role_org_permissions, orgs.role_app_baseline (B),
-- orgs.role_app_ceiling (C), orgs.team_level_permissions (L), and
-- orgs.org_permissions_from_app.  CREATE EXTENSION installs the default
-- model (05_matrix.sql) with is_default = true.
--
-- Rules the database enforces here, whoever writes:
--   - is_default stays true only while a row is unchanged; a row that is
--     inserted is never default;
--   - a default row that is deleted, or whose key changes, leaves its key
--     in orgs.model_removed, and inserting a key removes it from there;
--     inserting a key that exists replaces the row's other columns (so a
--     restore, which installs the default model first, ends with exactly
--     the model that was dumped: see 25_security.sql for what is dumped);
--   - the role admin holds every permission: a new permission is granted to
--     it at once, and none of its grants can be taken away while the
--     permission exists; it cannot be renamed or dropped;
--   - a role of every organization and a role of one organization never
--     share a name; an organization defines at most 64 roles of its own;
--   - a member's or invitation's role_scope is set from its role and org;
--   - TRUNCATE of a model table is refused.
-- The functions below add the checks that need context: names well
-- formed, every permission named exists, a role or level still held
-- cannot be dropped (2BP01), the permissions pg_orgs's own functions check
-- cannot be dropped, and invariant 5 for the roles an org defines.
--
-- Audit log codes (orgs.audit_log.event_code) of this file:
--
--   code  event                  written by
--   ----  ---------------------  -------------------------------------------
--   300   permission_defined     define_permission, load_model
--   301   permission_dropped     drop_permission, load_model
--   302   role_defined           define_role, load_model
--   303   role_renamed           rename_role
--   304   role_dropped           drop_role, load_model
--   305   level_defined          define_level, load_model
--   306   level_renamed          rename_level
--   307   level_dropped          drop_level, load_model
--   308   implication_defined    define_implication, load_model
--   309   implication_dropped    drop_implication, load_model
--   320   org_role_defined       define_org_role
--   321   org_role_renamed       rename_org_role
--   322   org_role_dropped       drop_org_role
--
-- Changes of the model of every org are logged with org_id NULL (details
-- name the database role that made them); those of one org's own roles
-- with the org.

--------------------------------------------------------------------------
-- Integrity of the model tables
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs_internal.model_key_columns(table_name text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN CASE table_name
           WHEN 'permissions' THEN ARRAY['scope', 'name']
           WHEN 'roles' THEN ARRAY['role_scope', 'name']
           WHEN 'team_levels' THEN ARRAY['name']
           WHEN 'role_org_permissions' THEN ARRAY['role_scope', 'role', 'permission']
           WHEN 'role_app_baseline' THEN ARRAY['role_scope', 'role', 'permission']
           WHEN 'role_app_ceiling' THEN ARRAY['role_scope', 'role', 'permission']
           WHEN 'team_level_permissions' THEN ARRAY['level', 'permission']
           WHEN 'org_permissions_from_app' THEN ARRAY['org_permission', 'app_permission']
       END;
COMMENT ON FUNCTION orgs_internal.model_key_columns(text) IS
    'Internal: the primary key columns of a model table.';

-- "t.a = r.a AND t.b = r.b" over the key columns of a model table
CREATE OR REPLACE FUNCTION orgs_internal.model_key_match(table_name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN (SELECT pg_catalog.string_agg(pg_catalog.format('t.%1$I OPERATOR(pg_catalog.=) r.%1$I', c), ' AND ')
          FROM pg_catalog.unnest(orgs_internal.model_key_columns(table_name)) AS c);
COMMENT ON FUNCTION orgs_internal.model_key_match(text) IS
    'Internal: the join condition of a model table''s key columns between aliases t and r.';

CREATE OR REPLACE FUNCTION orgs_internal.trg_model_row()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- (on a Citus node the trigger fires on this node's copy of the shard:
    -- the table's own name, and the copy of orgs.model_removed)
    v_table text := orgs_internal.base_table(TG_RELID);
    v_removed regclass := orgs_internal.local_table('orgs.model_removed');
    v_new jsonb;
    v_old jsonb;
    v_newkey jsonb := '{}';
    v_oldkey jsonb := '{}';
    v_n bigint;
    c text;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        v_new := to_jsonb(NEW);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        v_old := to_jsonb(OLD);
    END IF;
    FOREACH c IN ARRAY orgs_internal.model_key_columns(v_table) LOOP
        IF v_new IS NOT NULL THEN
            v_newkey := v_newkey || jsonb_build_object(c, v_new -> c);
        END IF;
        IF v_old IS NOT NULL THEN
            v_oldkey := v_oldkey || jsonb_build_object(c, v_old -> c);
        END IF;
    END LOOP;

    IF TG_WHEN = 'AFTER' THEN                       -- AFTER UPDATE OR DELETE
        IF OLD.is_default AND (TG_OP = 'DELETE' OR v_newkey <> v_oldkey) THEN
            EXECUTE format('INSERT INTO %s (table_name, key) VALUES ($1, $2) ON CONFLICT DO NOTHING', v_removed)
                USING v_table, v_oldkey;
        END IF;
        RETURN NULL;
    END IF;

    IF TG_OP = 'INSERT' THEN                        -- BEFORE INSERT
        NEW.is_default := false;
        IF coalesce((v_new ->> 'role_scope')::bigint, 0) <> 0 THEN
            RETURN NEW;                             -- one org's role: never default
        END IF;
        EXECUTE format('DELETE FROM %s m WHERE m.table_name = $1 AND m.key = $2', v_removed)
            USING v_table, v_newkey;
        -- the key exists: the insert replaces the row's other columns
        EXECUTE format('UPDATE %s t SET %s FROM jsonb_populate_record(NULL::%s, $1) r WHERE %s',
                       TG_RELID::regclass,
                       CASE WHEN v_new ? 'description' THEN 'description = r.description'
                            ELSE 'is_default = t.is_default' END,
                       TG_RELID::regclass, orgs_internal.model_key_match(v_table))
            USING v_new;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        RETURN CASE WHEN v_n > 0 THEN NULL ELSE NEW END;
    END IF;

    -- BEFORE UPDATE: default while unchanged
    NEW.is_default := OLD.is_default
                      AND (to_jsonb(NEW) - 'is_default' - 'org_id') = (v_old - 'is_default' - 'org_id');
    IF v_newkey <> v_oldkey THEN
        EXECUTE format('DELETE FROM %s m WHERE m.table_name = $1 AND m.key = $2', v_removed)
            USING v_table, v_newkey;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_model_row() IS
    'Keeps is_default and orgs.model_removed right for a model table; an insert of an existing key replaces the row''s other columns.';

CREATE OR REPLACE FUNCTION orgs_internal.trg_model_removed()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- restoring a dump: remove again the default row that CREATE EXTENSION installed
    EXECUTE format('DELETE FROM %s t USING jsonb_populate_record(NULL::orgs.%I, $1) r WHERE %s AND t.is_default',
                   orgs_internal.local_table(format('orgs.%I', NEW.table_name)::regclass),
                   NEW.table_name, orgs_internal.model_key_match(NEW.table_name))
        USING NEW.key;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_model_removed() IS
    'A removed key recorded in orgs.model_removed (as a restore does) removes the default row with that key.';

CREATE OR REPLACE FUNCTION orgs_internal.trg_model_no_truncate()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'cannot truncate the model table orgs.%', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Change the model with the functions orgs.define_* and orgs.drop_*, or orgs.load_model().';
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_model_no_truncate() IS
    'Refuses TRUNCATE of a model table (the removal of default rows would not be recorded).';

-- The admin role holds every permission.
CREATE OR REPLACE FUNCTION orgs_internal.trg_model_admin_grants()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_permissions regclass := orgs_internal.local_table('orgs.permissions');
    v_n bigint;
    v_exists boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN                        -- AFTER INSERT on permissions
        EXECUTE format('SELECT count(*) FROM %s p WHERE p.scope = $1', v_permissions)
            INTO v_n USING NEW.scope;
        IF v_n > 512 THEN
            RAISE EXCEPTION 'too many %-level permissions', NEW.scope
                USING ERRCODE = 'program_limit_exceeded',
                      DETAIL = 'The engine supports at most 512 permissions of each scope.';
        END IF;
        IF NEW.scope = 'org' THEN
            EXECUTE format('INSERT INTO %s (role_scope, role, permission) VALUES (0, ''admin'', $1)',
                           orgs_internal.local_table('orgs.role_org_permissions'))
                USING NEW.name;
        ELSE
            EXECUTE format('INSERT INTO %s (role_scope, role, permission) VALUES (0, ''admin'', $1)',
                           orgs_internal.local_table('orgs.role_app_baseline'))
                USING NEW.name;
            EXECUTE format('INSERT INTO %s (role_scope, role, permission) VALUES (0, ''admin'', $1)',
                           orgs_internal.local_table('orgs.role_app_ceiling'))
                USING NEW.name;
        END IF;
        RETURN NULL;
    END IF;
    -- BEFORE UPDATE OR DELETE of a grant of the admin role
    IF TG_OP = 'DELETE' OR (NEW.role_scope, NEW.role, NEW.permission) IS DISTINCT FROM
                            (OLD.role_scope, OLD.role, OLD.permission) THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s p WHERE p.scope = $1 AND p.name = $2)', v_permissions)
            INTO v_exists USING OLD.scope, OLD.permission;
        IF v_exists THEN
            RAISE EXCEPTION 'role "admin" holds every permission'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Permission "%s" cannot be taken from it while the permission exists.', OLD.permission);
        END IF;
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_model_admin_grants() IS
    'The role admin holds every permission: grants it each new permission (at most 512 per scope), and keeps its grants while the permission exists.';

-- Role names: no role of every org shares its name with a role of one
-- org; admin stays; at most 64 roles per org.  Serialized on the admin
-- role's row, so that two concurrent definitions see each other.
CREATE OR REPLACE FUNCTION orgs_internal.trg_role_names()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_roles regclass := orgs_internal.local_table('orgs.roles');
    v_org text;
    v_found boolean;
    v_n bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.role_scope = 0 AND OLD.name = 'admin'
       AND (TG_OP = 'DELETE' OR NEW.name <> 'admin' OR NEW.role_scope <> 0) THEN
        RAISE EXCEPTION 'role "admin" cannot be %', CASE TG_OP WHEN 'DELETE' THEN 'dropped' ELSE 'renamed' END
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Every organization has an admin, who holds every permission.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s i WHERE i.role_scope = $1 AND i.role = $2 AND i.state = ''pending'')',
                       orgs_internal.local_table('orgs.invitations'))
            INTO v_found USING OLD.role_scope, OLD.name;
        IF v_found THEN
            RAISE EXCEPTION 'role "%" is still given by pending invitations', OLD.name
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Rescind them first (orgs.rescind_invitation).';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.name = OLD.name AND NEW.role_scope = OLD.role_scope THEN
        RETURN NEW;
    END IF;
    EXECUTE format('SELECT 1 FROM %s r WHERE r.role_scope = 0 AND r.name = ''admin'' FOR NO KEY UPDATE', v_roles);
    IF NEW.role_scope = 0 THEN
        EXECUTE format('SELECT o.org_id FROM %s r JOIN %s o ON o.id = r.role_scope'
                       ' WHERE r.name = $1 AND r.role_scope <> 0 ORDER BY o.org_key LIMIT 1',
                       v_roles, orgs_internal.local_table('orgs.organizations'))
            INTO v_org USING NEW.name;
        IF v_org IS NOT NULL THEN
            RAISE EXCEPTION 'role "%" already exists in organization "%"', NEW.name, v_org
                USING ERRCODE = 'duplicate_object',
                      DETAIL = 'A role of every organization cannot have the name of a role an organization defined for itself.',
                      HINT = 'Choose another name, or have the organization rename its role (orgs.rename_org_role).';
        END IF;
    ELSE
        IF orgs_internal.role_exists(0, NEW.name) THEN
            RAISE EXCEPTION 'role "%" already exists', NEW.name
                USING ERRCODE = 'duplicate_object',
                      DETAIL = 'It is a role of every organization.';
        END IF;
        IF TG_OP = 'INSERT' THEN
            EXECUTE format('SELECT count(*) FROM %s r WHERE r.role_scope = $1', v_roles)
                INTO v_n USING NEW.role_scope;
            IF v_n >= 64 THEN
                EXECUTE format('SELECT o.org_id FROM %s o WHERE o.id = $1',
                               orgs_internal.local_table('orgs.organizations'))
                    INTO v_org USING NEW.role_scope;
                RAISE EXCEPTION 'organization "%" has too many roles of its own', v_org
                    USING ERRCODE = 'program_limit_exceeded',
                          DETAIL = 'An organization can define at most 64 roles.';
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_role_names() IS
    'Role names: a role of every organization and a role of one organization never share a name; admin cannot be renamed or dropped; at most 64 roles per organization.';

-- The scope of a member's or invitation's role: the org's own role of
-- that name if there is one, else the role of every org.
CREATE OR REPLACE FUNCTION orgs_internal.trg_role_scope()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a decided invitation whose role was dropped keeps its name, unscoped
    IF TG_OP = 'UPDATE' AND NEW.role_scope IS NULL AND NEW.role = OLD.role THEN
        RETURN NEW;
    END IF;
    NEW.role_scope := CASE WHEN orgs_internal.role_exists(NEW.org_id, NEW.role)
                           THEN NEW.org_id ELSE 0 END;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_role_scope() IS
    'Sets role_scope of a membership or invitation: the org''s own role of that name, else the role of every organization.';

CREATE OR REPLACE TRIGGER role_scope BEFORE INSERT OR UPDATE OF org_id, role, role_scope ON orgs.members
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_role_scope();
COMMENT ON TRIGGER role_scope ON orgs.members IS 'Sets role_scope from the role and the organization.';
CREATE OR REPLACE TRIGGER role_scope BEFORE INSERT OR UPDATE OF org_id, role, role_scope ON orgs.invitations
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_role_scope();
COMMENT ON TRIGGER role_scope ON orgs.invitations IS 'Sets role_scope from the role and the organization.';

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT pg_catalog.unnest(ARRAY['permissions', 'roles', 'team_levels', 'role_org_permissions',
                                            'role_app_baseline', 'role_app_ceiling',
                                            'team_level_permissions', 'org_permissions_from_app'])
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER model_row BEFORE INSERT OR UPDATE ON orgs.%I '
            'FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_model_row()', t);
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER model_row ON orgs.%I IS %L', t,
            'Keeps is_default and orgs.model_removed right; an insert of an existing key replaces the row.');
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER model_removed AFTER UPDATE OR DELETE ON orgs.%I '
            'FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_model_row()', t);
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER model_removed ON orgs.%I IS %L', t,
            'Records the key of a removed or renamed default row in orgs.model_removed.');
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER model_no_truncate BEFORE TRUNCATE ON orgs.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.trg_model_no_truncate()', t);
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER model_no_truncate ON orgs.%I IS %L', t,
            'Refuses TRUNCATE of a model table.');
    END LOOP;
    FOR t IN SELECT pg_catalog.unnest(ARRAY['role_org_permissions', 'role_app_baseline', 'role_app_ceiling'])
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER admin_grants BEFORE UPDATE OR DELETE ON orgs.%I FOR EACH ROW '
            'WHEN (OLD.role_scope OPERATOR(pg_catalog.=) 0 AND OLD.role OPERATOR(pg_catalog.=) ''admin'') '
            'EXECUTE FUNCTION orgs_internal.trg_model_admin_grants()', t);
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER admin_grants ON orgs.%I IS %L', t,
            'The role admin keeps every permission.');
    END LOOP;
END;
$$;
CREATE OR REPLACE TRIGGER admin_grants AFTER INSERT ON orgs.permissions
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_model_admin_grants();
COMMENT ON TRIGGER admin_grants ON orgs.permissions IS 'A new permission is granted to the role admin.';
CREATE OR REPLACE TRIGGER role_names BEFORE INSERT OR UPDATE OR DELETE ON orgs.roles
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_role_names();
COMMENT ON TRIGGER role_names ON orgs.roles IS
    'Role names are unique across scopes; admin stays; at most 64 roles per organization.';
CREATE OR REPLACE TRIGGER model_removed_apply AFTER INSERT ON orgs.model_removed
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_model_removed();
COMMENT ON TRIGGER model_removed_apply ON orgs.model_removed IS
    'Removes the default row whose key is recorded (restoring a dump).';

--------------------------------------------------------------------------
-- Reading the model (everyone)
--------------------------------------------------------------------------

-- The permissions pg_orgs's own functions and policies check: they cannot
-- be dropped.
CREATE OR REPLACE FUNCTION orgs.required_permissions()
RETURNS TABLE(scope orgs.permission_scope, name text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT x.s::orgs.permission_scope, x.n
      FROM (VALUES ('org', 'org.view'), ('org', 'org.edit'), ('org', 'org.delete'),
                   ('org', 'members.view'), ('org', 'members.manage'), ('org', 'teams.view'),
                   ('org', 'teams.manage'), ('org', 'teams.manage_members'),
                   ('org', 'teams.manage_apps'), ('org', 'apps.create'), ('org', 'audit.view'),
                   ('app', 'app.view'), ('app', 'app.delete'), ('app', 'app.transfer'),
                   ('app', 'app.edit_id'), ('app', 'app.edit_description'), ('app', 'app.edit_notes'),
                   ('app', 'app.visibility'), ('app', 'team_members.view')) AS x(s, n)
     ORDER BY 1, 2;
END;
COMMENT ON FUNCTION orgs.required_permissions() IS
    'The permissions that pg_orgs''s own functions and policies check; every model keeps them.';

CREATE OR REPLACE FUNCTION orgs.model_json()
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT jsonb_build_object(
        'permissions', jsonb_build_object(
            'org', (SELECT coalesce(jsonb_object_agg(p.name, p.description), '{}') FROM orgs.permissions p
                     WHERE p.scope OPERATOR(pg_catalog.=) 'org'),
            'app', (SELECT coalesce(jsonb_object_agg(p.name, p.description), '{}') FROM orgs.permissions p
                     WHERE p.scope OPERATOR(pg_catalog.=) 'app')),
        'roles', (SELECT coalesce(jsonb_object_agg(r.name, jsonb_build_object(
                      'description', r.description,
                      'org', (SELECT coalesce(jsonb_agg(g.permission ORDER BY g.permission), '[]')
                                FROM orgs.role_org_permissions g
                               WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) r.name),
                      'baseline', (SELECT coalesce(jsonb_agg(g.permission ORDER BY g.permission), '[]')
                                     FROM orgs.role_app_baseline g
                                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) r.name),
                      'ceiling', (SELECT coalesce(jsonb_agg(g.permission ORDER BY g.permission), '[]')
                                    FROM orgs.role_app_ceiling g
                                   WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) r.name))), '{}')
                    FROM orgs.roles r WHERE r.role_scope OPERATOR(pg_catalog.=) 0),
        'levels', (SELECT coalesce(jsonb_object_agg(l.name, jsonb_build_object(
                       'description', l.description,
                       'permissions', (SELECT coalesce(jsonb_agg(g.permission ORDER BY g.permission), '[]')
                                         FROM orgs.team_level_permissions g
                                        WHERE g.level OPERATOR(pg_catalog.=) l.name))), '{}')
                     FROM orgs.team_levels l),
        'implications', (SELECT coalesce(jsonb_agg(jsonb_build_object('org', i.org_permission, 'app', i.app_permission)
                                                   ORDER BY i.org_permission, i.app_permission), '[]')
                           FROM orgs.org_permissions_from_app i));
END;
COMMENT ON FUNCTION orgs.model_json() IS
    'The permission model of every organization as one JSON document (permissions, roles, levels, implications), as orgs.load_model() takes it.';

--------------------------------------------------------------------------
-- Validation helpers
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs_internal.check_model_name(kind text, name text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid % name: "%"', kind, name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A name has 1 to 63 lower-case letters, digits or _, and starts with a letter.';
    END IF;
    RETURN name;
END;
$$;
COMMENT ON FUNCTION orgs_internal.check_model_name(text, text) IS
    'Internal: a role or level name, checked; invalid_parameter_value unless well formed.';

CREATE OR REPLACE FUNCTION orgs_internal.check_description(description text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF length(description) > 1000 THEN
        RAISE EXCEPTION 'description too long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A description has at most 1000 characters.';
    END IF;
    RETURN description;
END;
$$;
COMMENT ON FUNCTION orgs_internal.check_description(text) IS
    'Internal: a description, checked (at most 1000 characters).';

-- The permissions of a list, checked: each exists in scope.  Returns the
-- list sorted and without duplicates.
CREATE OR REPLACE FUNCTION orgs_internal.check_permission_list(scope orgs.permission_scope, perms text[], what text)
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad text;
    v_other boolean;
    v_like text;
    v_detail text;
    v_hint text;
BEGIN
    IF perms IS NULL THEN
        RETURN '{}';
    END IF;
    SELECT x INTO v_bad FROM unnest(perms) AS x
     WHERE x IS NULL OR NOT EXISTS (SELECT 1 FROM orgs.permissions p
                                     WHERE p.scope = check_permission_list.scope AND p.name = x)
     LIMIT 1;
    IF FOUND THEN
        v_other := EXISTS (SELECT 1 FROM orgs.permissions p WHERE p.scope <> check_permission_list.scope AND p.name = v_bad);
        SELECT string_agg(x.name, ', ' ORDER BY x.name) || CASE WHEN max(x.n) > 10 THEN ', ...' ELSE '' END
          INTO v_like
          FROM (SELECT p.name, count(*) OVER () AS n FROM orgs.permissions p
                 WHERE p.scope = check_permission_list.scope
                   AND split_part(p.name, '.', 1) = split_part(v_bad, '.', 1)
                 ORDER BY p.name LIMIT 10) x;
        v_detail := CASE WHEN v_other
                         THEN format('"%s" is an %s-level permission; %s takes %s-level permissions.',
                                     v_bad, CASE scope WHEN 'org' THEN 'app' ELSE 'org' END, what, scope)
                         ELSE format('%s%s takes %s-level permissions.', upper(left(what, 1)), substr(what, 2), scope) END;
        v_hint := CASE WHEN v_like IS NOT NULL THEN format('Permissions of that resource: %s.', v_like)
                       WHEN NOT v_other THEN 'Define it first with orgs.define_permission().' END;
        -- a permission of the other scope with no namesake here has no hint
        -- (and RAISE refuses a NULL option)
        IF v_hint IS NULL THEN
            RAISE EXCEPTION 'unrecognized permission: "%"', v_bad
                USING ERRCODE = 'invalid_parameter_value', DETAIL = v_detail;
        END IF;
        RAISE EXCEPTION 'unrecognized permission: "%"', v_bad
            USING ERRCODE = 'invalid_parameter_value', DETAIL = v_detail, HINT = v_hint;
    END IF;
    RETURN ARRAY(SELECT DISTINCT x FROM unnest(perms) AS x ORDER BY x);
END;
$$;
COMMENT ON FUNCTION orgs_internal.check_permission_list(orgs.permission_scope, text[], text) IS
    'Internal: a list of permission names of one scope, checked to exist; sorted, without duplicates.';
REVOKE ALL ON FUNCTION orgs_internal.check_permission_list(orgs.permission_scope, text[], text) FROM PUBLIC;

-- The permissions of a checked list (as check_permission_list returns it)
-- that a write is about to grant, locked (FOR KEY SHARE: the lock the
-- foreign keys take anyway, taken before the writes instead of at them).
-- A drop_permission that comes later waits and then finds them granted;
-- one that committed meanwhile makes the permission unrecognized, with
-- check_permission_list's error, not a foreign key violation.
CREATE OR REPLACE FUNCTION orgs_internal.lock_permissions(scope orgs.permission_scope, perms text[], what text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    LOOP
        PERFORM FROM orgs.permissions p
         WHERE p.scope = lock_permissions.scope AND p.name = ANY (perms) FOR KEY SHARE;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        EXIT WHEN v_n >= (SELECT count(DISTINCT x) FROM unnest(perms) AS x);
        PERFORM orgs_internal.check_permission_list(scope, perms, what);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_permissions(orgs.permission_scope, text[], text) IS
    'Internal: lock the rows of a checked list of permissions until the transaction ends (FOR KEY SHARE); check_permission_list''s error if one is gone.';
REVOKE ALL ON FUNCTION orgs_internal.lock_permissions(orgs.permission_scope, text[], text) FROM PUBLIC;

-- The audit row of a change of the model of every org.
CREATE OR REPLACE FUNCTION orgs_internal.write_model_audit(event_code integer, event text, target text, details jsonb)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs_internal.write_audit(NULL, event_code, event, target,
                            details OPERATOR(pg_catalog.||) jsonb_build_object('db_role', SESSION_USER::text));
END;
COMMENT ON FUNCTION orgs_internal.write_model_audit(integer, text, text, jsonb) IS
    'Internal: log a change of the model of every organization (org_id NULL, the database role in details).';
REVOKE ALL ON FUNCTION orgs_internal.write_model_audit(integer, text, text, jsonb) FROM PUBLIC;

-- Replace the grants of one role (of one scope) in one grant table; true
-- when anything changed.
CREATE OR REPLACE FUNCTION orgs_internal.set_role_grants(tbl text, role_scope bigint, role text, perms text[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_del bigint;
    v_ins bigint;
BEGIN
    EXECUTE format('DELETE FROM orgs.%I g WHERE g.role_scope = $1 AND g.role = $2 AND g.permission <> ALL ($3)', tbl)
        USING role_scope, role, perms;
    GET DIAGNOSTICS v_del = ROW_COUNT;
    EXECUTE format('INSERT INTO orgs.%I (role_scope, role, permission) '
                   'SELECT $1, $2, x FROM unnest($3) AS x '
                   'WHERE NOT EXISTS (SELECT 1 FROM orgs.%I g WHERE g.role_scope = $1 AND g.role = $2 AND g.permission = x)',
                   tbl, tbl)
        USING role_scope, role, perms;
    GET DIAGNOSTICS v_ins = ROW_COUNT;
    RETURN v_del + v_ins > 0;
END;
$$;
COMMENT ON FUNCTION orgs_internal.set_role_grants(text, bigint, text, text[]) IS
    'Internal: make a role''s rows in one grant table exactly the given permissions; true when anything changed.';
REVOKE ALL ON FUNCTION orgs_internal.set_role_grants(text, bigint, text, text[]) FROM PUBLIC;

--------------------------------------------------------------------------
-- Administration of the model of every organization (EXECUTE: the DBA)
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs.define_permission(scope orgs.permission_scope, name text, description text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old text;
    v_desc text := orgs_internal.check_description(coalesce(description, ''));
BEGIN
    IF scope IS NULL THEN
        RAISE EXCEPTION 'scope must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$' OR length(name) > 63 THEN
        RAISE EXCEPTION 'invalid permission name: "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A permission is named resource.action: lower-case letters, digits and _, each part starting with a letter, at most 63 characters.';
    END IF;
    SELECT p.description INTO v_old FROM orgs.permissions p
     WHERE p.scope = define_permission.scope AND p.name = define_permission.name FOR UPDATE;
    IF FOUND THEN
        IF v_old = v_desc THEN
            RETURN;
        END IF;
        UPDATE orgs.permissions p SET description = v_desc
         WHERE p.scope = define_permission.scope AND p.name = define_permission.name;
    ELSE
        INSERT INTO orgs.permissions (scope, name, description)
        VALUES (define_permission.scope, define_permission.name, v_desc);
    END IF;
    PERFORM orgs_internal.write_model_audit(300, 'permission_defined', name,
                                   jsonb_build_object('scope', scope, 'description', v_desc, 'new', v_old IS NULL));
END;
$$;
COMMENT ON FUNCTION orgs.define_permission(orgs.permission_scope, text, text) IS
    'Define a permission (org or app scope, resource.action) or change its description; the role admin holds it at once.';
REVOKE ALL ON FUNCTION orgs.define_permission(orgs.permission_scope, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.drop_permission(scope orgs.permission_scope, name text, cascade boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_users text;
BEGIN
    -- locked before anything that holds it is counted: a grant being
    -- written meanwhile (which locks the permission first) is waited for
    -- and then counted, not cascaded away unasked
    PERFORM FROM orgs.permissions p
     WHERE p.scope = drop_permission.scope AND p.name = drop_permission.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%-level permission "%" does not exist', scope, name
            USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.required_permissions() r
                WHERE r.scope = drop_permission.scope AND r.name = drop_permission.name) THEN
        RAISE EXCEPTION 'cannot drop permission "%"', name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'pg_orgs''s own functions and policies check it.';
    END IF;
    SELECT string_agg(x, ', ' ORDER BY x) INTO v_users FROM (
        SELECT DISTINCT format('role %s', CASE WHEN g.role_scope = 0 THEN g.role::text
                                               ELSE format('%s of organization %s', g.role, orgs_internal.org_name(g.role_scope)) END) AS x
          FROM (SELECT role_scope, role, permission FROM orgs.role_org_permissions WHERE drop_permission.scope = 'org'
                UNION ALL SELECT role_scope, role, permission FROM orgs.role_app_baseline WHERE drop_permission.scope = 'app'
                UNION ALL SELECT role_scope, role, permission FROM orgs.role_app_ceiling WHERE drop_permission.scope = 'app') g
         WHERE g.permission = drop_permission.name AND NOT (g.role_scope = 0 AND g.role = 'admin')
        UNION
        SELECT format('level %s', l.level) FROM orgs.team_level_permissions l
         WHERE drop_permission.scope = 'app' AND l.permission = drop_permission.name
        UNION
        SELECT format('implication %s from %s', i.org_permission, i.app_permission)
          FROM orgs.org_permissions_from_app i
         WHERE (drop_permission.scope = 'org' AND i.org_permission = drop_permission.name)
            OR (drop_permission.scope = 'app' AND i.app_permission = drop_permission.name)) u;
    IF v_users IS NOT NULL AND NOT coalesce(cascade, false) THEN
        RAISE EXCEPTION 'cannot drop permission "%" because other objects depend on it', name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Granted by or used in: %s.', v_users),
                  HINT = 'Remove it from them first, or call orgs.drop_permission(..., cascade => true).';
    END IF;
    -- the grants, levels and implications go with it (foreign keys cascade)
    DELETE FROM orgs.permissions p WHERE p.scope = drop_permission.scope AND p.name = drop_permission.name;
    PERFORM orgs_internal.write_model_audit(301, 'permission_dropped', name,
                                   jsonb_build_object('scope', scope, 'removed_from', v_users));
END;
$$;
COMMENT ON FUNCTION orgs.drop_permission(orgs.permission_scope, text, boolean) IS
    'Drop a permission; refused (2BP01) while roles, levels or implications use it unless cascade, and for the permissions pg_orgs''s own functions check.';
REVOKE ALL ON FUNCTION orgs.drop_permission(orgs.permission_scope, text, boolean) FROM PUBLIC;

-- Define or change a role; role_scope 0 for every org, else one org's.
-- NULL arrays keep what an existing role grants (nothing for a new one).
CREATE OR REPLACE FUNCTION orgs_internal.define_role_in(p_scope bigint, p_name text, p_description text,
                                    p_org text[], p_baseline text[], p_ceiling text[])
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := orgs_internal.check_model_name('role', p_name);
    v_desc text;
    v_old orgs.roles;
    v_org text[] := orgs_internal.check_permission_list('org', p_org, 'the role''s org-level list');
    v_base text[] := orgs_internal.check_permission_list('app', p_baseline, 'the baseline');
    v_ceil text[] := orgs_internal.check_permission_list('app', p_ceiling, 'the ceiling');
    v_cur record;
    v_changed boolean := false;
BEGIN
    PERFORM orgs_internal.lock_permissions('org', v_org, 'the role''s org-level list');
    PERFORM orgs_internal.lock_permissions('app', v_base, 'the baseline');
    PERFORM orgs_internal.lock_permissions('app', v_ceil, 'the ceiling');
    SELECT r.* INTO v_old FROM orgs.roles r WHERE r.role_scope = p_scope AND r.name = v_name FOR UPDATE;
    v_desc := orgs_internal.check_description(coalesce(p_description, v_old.description, ''));
    IF v_old.name IS NOT NULL AND v_name = 'admin' AND p_scope = 0
       AND (p_org IS NOT NULL OR p_baseline IS NOT NULL OR p_ceiling IS NOT NULL) THEN
        RAISE EXCEPTION 'cannot change what role "admin" grants'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The role admin holds every permission.',
                  HINT = 'Only its description can be changed.';
    END IF;
    SELECT * INTO v_cur FROM orgs_internal.role_grants(p_scope, v_name);
    IF v_old.name IS NULL THEN
        INSERT INTO orgs.roles (role_scope, name, description) VALUES (p_scope, v_name, v_desc);
        v_changed := true;
    ELSIF v_old.description IS DISTINCT FROM v_desc THEN
        UPDATE orgs.roles r SET description = v_desc WHERE r.role_scope = p_scope AND r.name = v_name;
        v_changed := true;
    END IF;
    IF p_org IS NOT NULL OR v_old.name IS NULL THEN
        v_changed := orgs_internal.set_role_grants('role_org_permissions', p_scope, v_name, v_org) OR v_changed;
    ELSE
        v_org := v_cur.org_permissions;
    END IF;
    IF p_baseline IS NOT NULL OR v_old.name IS NULL THEN
        v_changed := orgs_internal.set_role_grants('role_app_baseline', p_scope, v_name, v_base) OR v_changed;
    ELSE
        v_base := v_cur.baseline;
    END IF;
    IF p_ceiling IS NOT NULL OR v_old.name IS NULL THEN
        v_changed := orgs_internal.set_role_grants('role_app_ceiling', p_scope, v_name, v_ceil) OR v_changed;
    ELSE
        v_ceil := v_cur.ceiling;
    END IF;
    IF NOT v_changed THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object('new', v_old.name IS NULL, 'description', v_desc,
                              'org', to_jsonb(v_org), 'baseline', to_jsonb(v_base), 'ceiling', to_jsonb(v_ceil),
                              'old', CASE WHEN v_old.name IS NULL THEN NULL
                                          ELSE jsonb_build_object('description', v_old.description,
                                                                  'org', to_jsonb(v_cur.org_permissions),
                                                                  'baseline', to_jsonb(v_cur.baseline),
                                                                  'ceiling', to_jsonb(v_cur.ceiling)) END);
END;
$$;
COMMENT ON FUNCTION orgs_internal.define_role_in(bigint, text, text, text[], text[], text[]) IS
    'Internal: create or change a role of one scope; returns what changed (NULL when nothing did).';
REVOKE ALL ON FUNCTION orgs_internal.define_role_in(bigint, text, text, text[], text[], text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.define_role(name text, description text DEFAULT NULL,
                                 org_permissions text[] DEFAULT NULL,
                                 baseline text[] DEFAULT NULL, ceiling text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_change jsonb := orgs_internal.define_role_in(0, name, description, org_permissions, baseline, ceiling);
BEGIN
    IF v_change IS NOT NULL THEN
        PERFORM orgs_internal.write_model_audit(302, 'role_defined', name, v_change);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.define_role(text, text, text[], text[], text[]) IS
    'Create or change a role of every organization: its org-level permissions, baseline B (held on every app of the org) and ceiling C (the most a team grant gives); NULL keeps what an existing role has.';
REVOKE ALL ON FUNCTION orgs.define_role(text, text, text[], text[], text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.rename_role(name text, new_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.check_model_name('role', new_name);
    IF NOT EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = rename_role.name) THEN
        RAISE EXCEPTION 'role "%" does not exist', name USING ERRCODE = 'undefined_object';
    END IF;
    IF name = new_name THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = new_name) THEN
        RAISE EXCEPTION 'role "%" already exists', new_name USING ERRCODE = 'duplicate_object';
    END IF;
    -- members, invitations and grants follow (foreign keys ON UPDATE CASCADE)
    UPDATE orgs.roles r SET name = new_name WHERE r.role_scope = 0 AND r.name = rename_role.name;
    PERFORM orgs_internal.write_model_audit(303, 'role_renamed', new_name, jsonb_build_object('old_name', name));
END;
$$;
COMMENT ON FUNCTION orgs.rename_role(text, text) IS
    'Rename a role of every organization; members and invitations keep it under the new name. admin cannot be renamed.';
REVOKE ALL ON FUNCTION orgs.rename_role(text, text) FROM PUBLIC;

-- Refuse to drop a role someone holds (2BP01).
CREATE OR REPLACE FUNCTION orgs_internal.require_role_unused(p_scope bigint, p_name text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_members bigint;
    v_invitations bigint;
BEGIN
    SELECT count(*) INTO v_members FROM orgs.members m WHERE m.role_scope = p_scope AND m.role = p_name;
    SELECT count(*) INTO v_invitations FROM orgs.invitations i
     WHERE i.role_scope = p_scope AND i.role = p_name AND i.state = 'pending';
    IF v_members > 0 OR v_invitations > 0 THEN
        RAISE EXCEPTION 'role "%" is still held', p_name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('%s member(s) hold it and %s pending invitation(s) give it.', v_members, v_invitations),
                  HINT = 'Give them another role (orgs.set_member_role) and rescind the invitations (orgs.rescind_invitation) first.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_role_unused(bigint, text) IS
    'Internal: dependent_objects_still_exist while members hold the role or pending invitations give it.';
REVOKE ALL ON FUNCTION orgs_internal.require_role_unused(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.drop_role(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_grants record;
BEGIN
    PERFORM 1 FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = drop_role.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role "%" does not exist', name USING ERRCODE = 'undefined_object';
    END IF;
    IF name = 'admin' THEN
        RAISE EXCEPTION 'role "admin" cannot be dropped'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Every organization has an admin, who holds every permission.';
    END IF;
    PERFORM orgs_internal.require_role_unused(0, name);
    SELECT * INTO v_grants FROM orgs_internal.role_grants(0, name);
    -- its grants go with it (foreign keys ON DELETE CASCADE)
    DELETE FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = drop_role.name;
    PERFORM orgs_internal.write_model_audit(304, 'role_dropped', name,
                                   jsonb_build_object('org', to_jsonb(v_grants.org_permissions),
                                                      'baseline', to_jsonb(v_grants.baseline),
                                                      'ceiling', to_jsonb(v_grants.ceiling)));
END;
$$;
COMMENT ON FUNCTION orgs.drop_role(text) IS
    'Drop a role of every organization; refused (2BP01) while members hold it or pending invitations give it.';
REVOKE ALL ON FUNCTION orgs.drop_role(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.define_level(name text, description text DEFAULT NULL,
                                  permissions text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := orgs_internal.check_model_name('level', name);
    v_old orgs.team_levels;
    v_desc text;
    v_perms text[] := orgs_internal.check_permission_list('app', permissions, 'a level');
    v_cur text[];
    v_n bigint;
    v_changed boolean := false;
BEGIN
    PERFORM orgs_internal.lock_permissions('app', v_perms, 'a level');
    SELECT l.* INTO v_old FROM orgs.team_levels l WHERE l.name = v_name FOR UPDATE;
    v_desc := orgs_internal.check_description(coalesce(description, v_old.description, ''));
    v_cur := ARRAY(SELECT g.permission::text FROM orgs.team_level_permissions g WHERE g.level = v_name ORDER BY 1);
    IF v_old.name IS NULL THEN
        INSERT INTO orgs.team_levels (name, description) VALUES (v_name, v_desc);
        v_changed := true;
    ELSIF v_old.description IS DISTINCT FROM v_desc THEN
        UPDATE orgs.team_levels l SET description = v_desc WHERE l.name = v_name;
        v_changed := true;
    END IF;
    IF permissions IS NOT NULL THEN
        DELETE FROM orgs.team_level_permissions g WHERE g.level = v_name AND g.permission <> ALL (v_perms);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_changed := v_changed OR v_n > 0;
        INSERT INTO orgs.team_level_permissions (level, permission)
        SELECT v_name, x FROM unnest(v_perms) AS x WHERE x <> ALL (v_cur);
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_changed := v_changed OR v_n > 0;
    ELSE
        v_perms := v_cur;
    END IF;
    IF v_changed THEN
        PERFORM orgs_internal.write_model_audit(305, 'level_defined', v_name,
            jsonb_build_object('new', v_old.name IS NULL, 'description', v_desc, 'permissions', to_jsonb(v_perms),
                               'old', CASE WHEN v_old.name IS NULL THEN NULL
                                           ELSE jsonb_build_object('description', v_old.description,
                                                                   'permissions', to_jsonb(v_cur)) END));
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.define_level(text, text, text[]) IS
    'Create or change a team level: the app-level permissions it grants (capped by each member''s role ceiling); NULL keeps what an existing level has.';
REVOKE ALL ON FUNCTION orgs.define_level(text, text, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.rename_level(name text, new_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.check_model_name('level', new_name);
    IF NOT EXISTS (SELECT 1 FROM orgs.team_levels l WHERE l.name = rename_level.name) THEN
        RAISE EXCEPTION 'team permission level "%" does not exist', name USING ERRCODE = 'undefined_object';
    END IF;
    IF name = new_name THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.team_levels l WHERE l.name = new_name) THEN
        RAISE EXCEPTION 'team permission level "%" already exists', new_name USING ERRCODE = 'duplicate_object';
    END IF;
    -- teams and team apps follow (foreign keys ON UPDATE CASCADE)
    UPDATE orgs.team_levels l SET name = new_name WHERE l.name = rename_level.name;
    PERFORM orgs_internal.write_model_audit(306, 'level_renamed', new_name, jsonb_build_object('old_name', name));
END;
$$;
COMMENT ON FUNCTION orgs.rename_level(text, text) IS
    'Rename a team level; teams and team apps keep it under the new name.';
REVOKE ALL ON FUNCTION orgs.rename_level(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.drop_level(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_apps bigint;
    v_teams bigint;
    v_perms text[];
BEGIN
    PERFORM 1 FROM orgs.team_levels l WHERE l.name = drop_level.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team permission level "%" does not exist', name USING ERRCODE = 'undefined_object';
    END IF;
    SELECT count(*) INTO v_apps FROM orgs.team_apps ta WHERE ta.permission = drop_level.name;
    SELECT count(*) INTO v_teams FROM orgs.teams t WHERE t.default_permission = drop_level.name;
    IF v_apps > 0 OR v_teams > 0 THEN
        RAISE EXCEPTION 'team permission level "%" is still held', name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('%s team app(s) are held at it and %s team(s) have it as their default.', v_apps, v_teams),
                  HINT = 'Change them first (orgs.set_team_app_permission, orgs.set_team_default_permission).';
    END IF;
    v_perms := ARRAY(SELECT g.permission::text FROM orgs.team_level_permissions g WHERE g.level = drop_level.name ORDER BY 1);
    DELETE FROM orgs.team_levels l WHERE l.name = drop_level.name;
    PERFORM orgs_internal.write_model_audit(307, 'level_dropped', name, jsonb_build_object('permissions', to_jsonb(v_perms)));
END;
$$;
COMMENT ON FUNCTION orgs.drop_level(text) IS
    'Drop a team level; refused (2BP01) while a team holds an app at it or has it as its default.';
REVOKE ALL ON FUNCTION orgs.drop_level(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.define_implication(org_permission text, app_permission text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs_internal.check_permission_list('org', ARRAY[org_permission], 'an implication''s first argument');
    PERFORM orgs_internal.check_permission_list('app', ARRAY[app_permission], 'an implication''s second argument');
    IF EXISTS (SELECT 1 FROM orgs.org_permissions_from_app i
                WHERE i.org_permission = define_implication.org_permission
                  AND i.app_permission = define_implication.app_permission) THEN
        RETURN;
    END IF;
    PERFORM orgs_internal.lock_permissions('org', ARRAY[org_permission], 'an implication''s first argument');
    PERFORM orgs_internal.lock_permissions('app', ARRAY[app_permission], 'an implication''s second argument');
    INSERT INTO orgs.org_permissions_from_app (org_permission, app_permission)
    VALUES (org_permission, app_permission);
    PERFORM orgs_internal.write_model_audit(308, 'implication_defined', org_permission,
                                   jsonb_build_object('app_permission', app_permission));
END;
$$;
COMMENT ON FUNCTION orgs.define_implication(text, text) IS
    'A member who holds the app-level permission on any app of an org also holds the org-level permission there.';
REVOKE ALL ON FUNCTION orgs.define_implication(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.drop_implication(org_permission text, app_permission text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM orgs.org_permissions_from_app i
     WHERE i.org_permission = drop_implication.org_permission
       AND i.app_permission = drop_implication.app_permission;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'implication of "%" by "%" does not exist', org_permission, app_permission
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.write_model_audit(309, 'implication_dropped', org_permission,
                                   jsonb_build_object('app_permission', app_permission));
END;
$$;
COMMENT ON FUNCTION orgs.drop_implication(text, text) IS 'Drop an implication of an org-level permission by an app-level one.';
REVOKE ALL ON FUNCTION orgs.drop_implication(text, text) FROM PUBLIC;

-- Apply a whole model document: what differs is changed, the rest is left
-- alone; returns one line per change (none when the model is already so).
CREATE OR REPLACE FUNCTION orgs.load_model(model jsonb)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_before jsonb := orgs.model_json();
    v_after jsonb;
    v_scope text;
    v_key text;
    v_val jsonb;
    v_missing text;
    v_imp record;
    v_perm record;
BEGIN
    IF model IS NULL OR jsonb_typeof(model) <> 'object'
       OR jsonb_typeof(model -> 'permissions') IS DISTINCT FROM 'object'
       OR jsonb_typeof(model -> 'roles') IS DISTINCT FROM 'object'
       OR jsonb_typeof(model -> 'levels') IS DISTINCT FROM 'object'
       OR jsonb_typeof(coalesce(model -> 'implications', '[]')) <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(model) k
                   WHERE k NOT IN ('permissions', 'roles', 'levels', 'implications')) THEN
        RAISE EXCEPTION 'invalid model document'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A model is an object with "permissions" ({"org": {name: description}, "app": {...}}), "roles" ({name: {"description", "org", "baseline", "ceiling"}}), "levels" ({name: {"description", "permissions"}}) and "implications" ([{"org", "app"}]), as orgs.model_json() returns it.';
    END IF;
    SELECT q.scope || ' ' || q.name INTO v_missing FROM orgs.required_permissions() q
     WHERE NOT coalesce(model -> 'permissions' -> q.scope::text ? q.name, false)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the model must define permission "%"', split_part(v_missing, ' ', 2)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s-level; pg_orgs''s own functions and policies check it.', split_part(v_missing, ' ', 1));
    END IF;
    IF NOT coalesce(model -> 'roles' ? 'admin', false) THEN
        RAISE EXCEPTION 'the model must define role "admin"'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- 1. permissions: define those of the document
    FOR v_scope IN SELECT unnest(ARRAY['org', 'app']) LOOP
        IF jsonb_typeof(coalesce(model -> 'permissions' -> v_scope, '{}')) <> 'object' THEN
            RAISE EXCEPTION 'invalid model document: "permissions"."%" is not an object', v_scope
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR v_key, v_val IN SELECT * FROM jsonb_each(coalesce(model -> 'permissions' -> v_scope, '{}')) LOOP
            IF jsonb_typeof(v_val) <> 'string' THEN
                RAISE EXCEPTION 'invalid model document: the description of permission "%" is not a string', v_key
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            PERFORM orgs.define_permission(v_scope::orgs.permission_scope, v_key, v_val #>> '{}');
        END LOOP;
    END LOOP;
    -- 2. levels and roles of the document
    FOR v_key, v_val IN SELECT * FROM jsonb_each(model -> 'levels') LOOP
        IF jsonb_typeof(v_val) <> 'object' OR jsonb_typeof(coalesce(v_val -> 'permissions', '[]')) <> 'array' THEN
            RAISE EXCEPTION 'invalid model document: level "%"', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A level is {"description": text, "permissions": [names]}.';
        END IF;
        PERFORM orgs.define_level(v_key, coalesce(v_val ->> 'description', ''),
                                  ARRAY(SELECT jsonb_array_elements_text(coalesce(v_val -> 'permissions', '[]'))));
    END LOOP;
    FOR v_key, v_val IN SELECT * FROM jsonb_each(model -> 'roles') LOOP
        IF jsonb_typeof(v_val) <> 'object'
           OR jsonb_typeof(coalesce(v_val -> 'org', '[]')) <> 'array'
           OR jsonb_typeof(coalesce(v_val -> 'baseline', '[]')) <> 'array'
           OR jsonb_typeof(coalesce(v_val -> 'ceiling', '[]')) <> 'array' THEN
            RAISE EXCEPTION 'invalid model document: role "%"', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A role is {"description": text, "org": [names], "baseline": [names], "ceiling": [names]}.';
        END IF;
        IF v_key = 'admin' THEN
            PERFORM orgs.define_role('admin', coalesce(v_val ->> 'description', ''));
        ELSE
            PERFORM orgs.define_role(v_key, coalesce(v_val ->> 'description', ''),
                                     ARRAY(SELECT jsonb_array_elements_text(coalesce(v_val -> 'org', '[]'))),
                                     ARRAY(SELECT jsonb_array_elements_text(coalesce(v_val -> 'baseline', '[]'))),
                                     ARRAY(SELECT jsonb_array_elements_text(coalesce(v_val -> 'ceiling', '[]'))));
        END IF;
    END LOOP;
    -- 3. implications
    FOR v_imp IN SELECT x ->> 'org' AS o, x ->> 'app' AS a
               FROM jsonb_array_elements(coalesce(model -> 'implications', '[]')) x LOOP
        IF v_imp.o IS NULL OR v_imp.a IS NULL THEN
            RAISE EXCEPTION 'invalid model document: an implication is {"org": name, "app": name}'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM orgs.define_implication(v_imp.o, v_imp.a);
    END LOOP;
    FOR v_imp IN SELECT i.org_permission AS o, i.app_permission AS a FROM orgs.org_permissions_from_app i
              WHERE NOT coalesce(model -> 'implications', '[]') @> jsonb_build_array(jsonb_build_object('org', i.org_permission, 'app', i.app_permission))
              ORDER BY 1, 2 LOOP
        PERFORM orgs.drop_implication(v_imp.o, v_imp.a);
    END LOOP;
    -- 4. roles and levels the document does not have
    FOR v_key IN SELECT r.name FROM orgs.roles r
                  WHERE r.role_scope = 0 AND NOT (model -> 'roles' ? r.name) ORDER BY 1 LOOP
        PERFORM orgs.drop_role(v_key);
    END LOOP;
    FOR v_key IN SELECT l.name FROM orgs.team_levels l WHERE NOT (model -> 'levels' ? l.name) ORDER BY 1 LOOP
        PERFORM orgs.drop_level(v_key);
    END LOOP;
    -- 5. permissions the document does not have (their grants by the
    -- roles of one org go with them)
    FOR v_perm IN SELECT p.scope, p.name FROM orgs.permissions p
              WHERE NOT coalesce(model -> 'permissions' -> p.scope::text ? p.name, false)
              ORDER BY 1, 2 LOOP
        PERFORM orgs.drop_permission(v_perm.scope, v_perm.name, true);
    END LOOP;

    v_after := orgs.model_json();
    -- what changed, one line each
    RETURN QUERY
    SELECT format('%s %s: %s', x.kind, x.name, x.what) FROM (
        SELECT 'permission' AS kind, (s || ' ' || k) AS name,
               CASE WHEN NOT (v_before -> 'permissions' -> s ? k) THEN 'defined'
                    WHEN NOT (v_after -> 'permissions' -> s ? k) THEN 'dropped' ELSE 'changed' END AS what
          FROM unnest(ARRAY['org', 'app']) s,
               LATERAL (SELECT jsonb_object_keys(v_before -> 'permissions' -> s)
                        UNION SELECT jsonb_object_keys(v_after -> 'permissions' -> s)) kk(k)
         WHERE (v_before -> 'permissions' -> s -> k) IS DISTINCT FROM (v_after -> 'permissions' -> s -> k)
        UNION ALL
        SELECT 'role', k,
               CASE WHEN NOT (v_before -> 'roles' ? k) THEN 'defined'
                    WHEN NOT (v_after -> 'roles' ? k) THEN 'dropped' ELSE 'changed' END
          FROM (SELECT jsonb_object_keys(v_before -> 'roles') UNION SELECT jsonb_object_keys(v_after -> 'roles')) kk(k)
         WHERE (v_before -> 'roles' -> k) IS DISTINCT FROM (v_after -> 'roles' -> k)
        UNION ALL
        SELECT 'level', k,
               CASE WHEN NOT (v_before -> 'levels' ? k) THEN 'defined'
                    WHEN NOT (v_after -> 'levels' ? k) THEN 'dropped' ELSE 'changed' END
          FROM (SELECT jsonb_object_keys(v_before -> 'levels') UNION SELECT jsonb_object_keys(v_after -> 'levels')) kk(k)
         WHERE (v_before -> 'levels' -> k) IS DISTINCT FROM (v_after -> 'levels' -> k)
        UNION ALL
        SELECT 'implication', (e ->> 'org') || ' from ' || (e ->> 'app'),
               CASE WHEN v_before -> 'implications' @> jsonb_build_array(e) THEN 'dropped' ELSE 'defined' END
          FROM (SELECT jsonb_array_elements(v_before -> 'implications')
                UNION SELECT jsonb_array_elements(v_after -> 'implications')) ee(e)
         WHERE NOT (v_before -> 'implications' @> jsonb_build_array(e) AND v_after -> 'implications' @> jsonb_build_array(e))
    ) x
    ORDER BY CASE x.kind WHEN 'permission' THEN 1 WHEN 'level' THEN 2 WHEN 'role' THEN 3 ELSE 4 END, x.name;
END;
$$;
COMMENT ON FUNCTION orgs.load_model(jsonb) IS
    'Make the model of every organization exactly the document (as orgs.model_json() returns it), in one transaction; returns one line per change, none when nothing differs. A role or level the document drops must not be held.';
REVOKE ALL ON FUNCTION orgs.load_model(jsonb) FROM PUBLIC;

--------------------------------------------------------------------------
-- The roles of one organization (acting user: members.manage, and every
-- permission of the role)
--------------------------------------------------------------------------

-- An org's own role, for its members.manage holders: 42704 unless it
-- exists in that org.
CREATE OR REPLACE FUNCTION orgs_internal.require_org_role(org bigint, name text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope = org AND r.name = require_org_role.name) THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = require_org_role.name) THEN
        RAISE EXCEPTION 'organization "%" has no role "%" of its own', orgs_internal.org_name(org), name
            USING ERRCODE = 'undefined_object',
                  HINT = 'It is a role of every organization, which only the database administrator changes.';
    END IF;
    RAISE EXCEPTION 'organization "%" has no role "%" of its own', orgs_internal.org_name(org), name
        USING ERRCODE = 'undefined_object';
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_org_role(bigint, text) IS
    'Internal: undefined_object unless the organization defined a role of that name.';
REVOKE ALL ON FUNCTION orgs_internal.require_org_role(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.define_org_role(org_id text, name text, description text DEFAULT NULL,
                                     org_permissions text[] DEFAULT NULL,
                                     baseline text[] DEFAULT NULL, ceiling text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint;
    v_name text := orgs_internal.check_model_name('role', name);
    v_old record;
    v_new record;
    v_perm text;
    v_change jsonb;
BEGIN
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'define roles in organization %s');
    IF EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope = 0 AND r.name = v_name) THEN
        RAISE EXCEPTION 'role "%" already exists', v_name
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'It is a role of every organization.';
    END IF;
    -- invariant 5: the actor holds what the role gave and what it will give
    SELECT * INTO v_old FROM orgs_internal.role_grants(v_org, v_name);
    v_perm := orgs_internal.grants_exceeding_actor(v_org, v_old.org_permissions, v_old.baseline, v_old.ceiling);
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to change role "%" in organization "%"', v_name, orgs_internal.org_name(v_org)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Role "%s" includes permission "%s", which the acting user does not hold.', v_name, v_perm),
                  HINT = 'Only a member who holds every permission of a role can change it.';
    END IF;
    v_perm := orgs_internal.grants_exceeding_actor(v_org,
                  orgs_internal.check_permission_list('org', org_permissions, 'the role''s org-level list'),
                  orgs_internal.check_permission_list('app', baseline, 'the baseline'),
                  orgs_internal.check_permission_list('app', ceiling, 'the ceiling'));
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to define role "%" in organization "%"', v_name, orgs_internal.org_name(v_org)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('The role would include permission "%s", which the acting user does not hold.', v_perm),
                  HINT = 'Nobody can grant a permission they do not hold.';
    END IF;
    v_change := orgs_internal.define_role_in(v_org, v_name, description, org_permissions, baseline, ceiling);
    IF v_change IS NOT NULL THEN
        PERFORM orgs_internal.write_audit(v_org, 320, 'org_role_defined', v_name, v_change);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.define_org_role(text, text, text, text[], text[], text[]) IS
    'Create or change a role of this organization only (members.manage), made of permissions the acting user holds: org-level permissions, baseline and ceiling; NULL keeps what an existing role has.';

CREATE OR REPLACE FUNCTION orgs.rename_org_role(org_id text, name text, new_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint;
    v_new text := orgs_internal.check_model_name('role', new_name);
BEGIN
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'rename roles in organization %s');
    PERFORM orgs_internal.require_org_role(v_org, name);
    PERFORM orgs_internal.require_role_within_actor(v_org, name, 'rename');
    IF name = v_new THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope IN (0, v_org) AND r.name = v_new) THEN
        RAISE EXCEPTION 'role "%" already exists', v_new USING ERRCODE = 'duplicate_object';
    END IF;
    UPDATE orgs.roles r SET name = v_new WHERE r.role_scope = v_org AND r.name = rename_org_role.name;
    PERFORM orgs_internal.write_audit(v_org, 321, 'org_role_renamed', v_new, jsonb_build_object('old_name', name));
END;
$$;
COMMENT ON FUNCTION orgs.rename_org_role(text, text, text) IS
    'Rename a role of this organization (members.manage, holding every permission of the role); its members keep it.';

CREATE OR REPLACE FUNCTION orgs.drop_org_role(org_id text, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint;
    v_grants record;
BEGIN
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'drop roles in organization %s');
    PERFORM orgs_internal.require_org_role(v_org, name);
    PERFORM orgs_internal.require_role_within_actor(v_org, name, 'drop');
    PERFORM orgs_internal.require_role_unused(v_org, name);
    SELECT * INTO v_grants FROM orgs_internal.role_grants(v_org, name);
    DELETE FROM orgs.roles r WHERE r.role_scope = v_org AND r.name = drop_org_role.name;
    PERFORM orgs_internal.write_audit(v_org, 322, 'org_role_dropped', name,
                             jsonb_build_object('org', to_jsonb(v_grants.org_permissions),
                                                'baseline', to_jsonb(v_grants.baseline),
                                                'ceiling', to_jsonb(v_grants.ceiling)));
END;
$$;
COMMENT ON FUNCTION orgs.drop_org_role(text, text) IS
    'Drop a role of this organization (members.manage, holding every permission of the role); refused (2BP01) while members hold it or pending invitations give it.';

CREATE OR REPLACE FUNCTION orgs.org_roles(org_id text)
RETURNS TABLE(name text, own boolean, description text,
              org_permissions text[], baseline text[], ceiling text[])
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
BEGIN
    RETURN QUERY
    SELECT r.name::text, r.role_scope <> 0, r.description, g.org_permissions, g.baseline, g.ceiling
      FROM orgs.roles r, LATERAL orgs_internal.role_grants(r.role_scope, r.name) g
     WHERE r.role_scope IN (0, v_org)
     ORDER BY r.role_scope <> 0, r.name;
END;
$$;
COMMENT ON FUNCTION orgs.org_roles(text) IS
    'The roles a member of the organization can hold: those of every organization and the organization''s own (own = true), with what each grants.';

--------------------------------------------------------------------------
-- Reading the model tables: every row of the model of every org is
-- public; an org's own roles are visible to its members (org.view).
--------------------------------------------------------------------------

GRANT SELECT ON orgs.roles TO PUBLIC;
DROP POLICY IF EXISTS readable ON orgs.roles;
CREATE POLICY readable ON orgs.roles FOR SELECT
    USING (role_scope OPERATOR(pg_catalog.=) 0 OR orgs.has_org_permission(role_scope, 'org.view'));
COMMENT ON POLICY readable ON orgs.roles IS
    'The roles of every organization are public; an organization''s own roles are seen by its members.';
GRANT SELECT ON orgs.team_levels TO PUBLIC;
DROP POLICY IF EXISTS readable_by_all ON orgs.team_levels;
CREATE POLICY readable_by_all ON orgs.team_levels FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.team_levels IS 'The team levels are public.';
GRANT SELECT ON orgs.model_removed TO PUBLIC;
DROP POLICY IF EXISTS readable_by_all ON orgs.model_removed;
CREATE POLICY readable_by_all ON orgs.model_removed FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.model_removed IS 'The removed default rows are public, as the model is.';
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT pg_catalog.unnest(ARRAY['role_org_permissions', 'role_app_baseline', 'role_app_ceiling'])
    LOOP
        EXECUTE pg_catalog.format('DROP POLICY IF EXISTS readable_by_all ON orgs.%I', t);
        EXECUTE pg_catalog.format('DROP POLICY IF EXISTS readable ON orgs.%I', t);
        EXECUTE pg_catalog.format(
            'CREATE POLICY readable ON orgs.%I FOR SELECT USING (role_scope OPERATOR(pg_catalog.=) 0 '
            'OR orgs.has_org_permission(role_scope, ''org.view''))', t);
        EXECUTE pg_catalog.format('COMMENT ON POLICY readable ON orgs.%I IS %L', t,
            'What the roles of every organization grant is public; an organization''s own roles are seen by its members.');
    END LOOP;
END;
$$;
