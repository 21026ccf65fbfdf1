--------------------------------------------------------------------------
-- The permission engine (src/check.c, src/cache.c)
--------------------------------------------------------------------------

-- Planner support of the acting-user checks on a key (src/support.c): an
-- index condition key = ANY (apps_with_permission(list)), and a selectivity
-- from the number of apps or orgs the acting user holds the list on.
CREATE OR REPLACE FUNCTION orgs_internal.app_check_support(internal)
RETURNS internal
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_app_check_support';
COMMENT ON FUNCTION orgs_internal.app_check_support(internal) IS
    'Planner support of orgs.has_app_permission(bigint, text): an index condition on the app key column, and a selectivity.';

CREATE OR REPLACE FUNCTION orgs_internal.org_check_support(internal)
RETURNS internal
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_org_check_support';
COMMENT ON FUNCTION orgs_internal.org_check_support(internal) IS
    'Planner support of orgs.has_org_permission(bigint, text): an index condition on the org key column, and a selectivity.';

CREATE OR REPLACE FUNCTION orgs.has_app_permission(app bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
SUPPORT orgs_internal.app_check_support
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_id';
COMMENT ON FUNCTION orgs.has_app_permission(bigint, text) IS
    'Does the acting user hold any of the comma-separated app-level permissions on the app? An app on which it holds nothing is answered as one that does not exist (NULL for a key, an error for a name); false when there is no acting user.';

CREATE OR REPLACE FUNCTION orgs.has_app_permission(app text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_name';
COMMENT ON FUNCTION orgs.has_app_permission(text, text) IS
    'Does the acting user hold any of the comma-separated app-level permissions on the app? An app on which it holds nothing is answered as one that does not exist (NULL for a key, an error for a name); false when there is no acting user.';

CREATE OR REPLACE FUNCTION orgs.has_app_permission(user_id bigint, app bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_id_id';
COMMENT ON FUNCTION orgs.has_app_permission(bigint, bigint, text) IS
    'Does the given user hold any of the comma-separated app-level permissions on the app? Superusers and roles that may call orgs.act_as get every answer; others only about themselves and the members of orgs where they hold members.view, on apps they can see (anything else is answered as not existing).';

CREATE OR REPLACE FUNCTION orgs.has_app_permission(user_handle text, app text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_name_name';
COMMENT ON FUNCTION orgs.has_app_permission(text, text, text) IS
    'Does the given user hold any of the comma-separated app-level permissions on the app? Superusers and roles that may call orgs.act_as get every answer; others only about themselves and the members of orgs where they hold members.view, on apps they can see (anything else is answered as not existing).';

CREATE OR REPLACE FUNCTION orgs.has_org_permission(org bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
SUPPORT orgs_internal.org_check_support
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_id';
COMMENT ON FUNCTION orgs.has_org_permission(bigint, text) IS
    'Does the acting user hold any of the comma-separated org-level permissions on the org? An org on which it holds nothing is answered as one that does not exist (NULL for a key, an error for a name); false when there is no acting user.';

CREATE OR REPLACE FUNCTION orgs.has_org_permission(org text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_name';
COMMENT ON FUNCTION orgs.has_org_permission(text, text) IS
    'Does the acting user hold any of the comma-separated org-level permissions on the org? An org on which it holds nothing is answered as one that does not exist (NULL for a key, an error for a name); false when there is no acting user.';

CREATE OR REPLACE FUNCTION orgs.has_org_permission(user_id bigint, org bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_id_id';
COMMENT ON FUNCTION orgs.has_org_permission(bigint, bigint, text) IS
    'Does the given user hold any of the comma-separated org-level permissions on the org? Superusers and roles that may call orgs.act_as get every answer; others only about themselves and the members of orgs where they hold members.view, on orgs they can see (anything else is answered as not existing).';

CREATE OR REPLACE FUNCTION orgs.has_org_permission(user_handle text, org text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_name_name';
COMMENT ON FUNCTION orgs.has_org_permission(text, text, text) IS
    'Does the given user hold any of the comma-separated org-level permissions on the org? Superusers and roles that may call orgs.act_as get every answer; others only about themselves and the members of orgs where they hold members.view, on orgs they can see (anything else is answered as not existing).';

CREATE OR REPLACE FUNCTION orgs.app_permissions(user_handle text, app text)
RETURNS text[]
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 10
AS 'MODULE_PATHNAME', 'orgs_app_permissions';
COMMENT ON FUNCTION orgs.app_permissions(text, text) IS
    'The effective app-level permission set of a user on an app, sorted (to whom: as the explicit-user has_app_permission).';

CREATE OR REPLACE FUNCTION orgs.user_visible(user_id bigint)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_user_visible';
COMMENT ON FUNCTION orgs.user_visible(bigint) IS
    'May the acting user see this user: itself, or a member of an organization where it holds members.view? (The policy of orgs.users.)';

CREATE OR REPLACE FUNCTION orgs.apps_with_permission(permission text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 100
AS 'MODULE_PATHNAME', 'orgs_apps_with_permission';
COMMENT ON FUNCTION orgs.apps_with_permission(text) IS
    'Sorted keys of the apps on which the acting user holds any of the listed permissions (the set-based policy form).';

CREATE OR REPLACE FUNCTION orgs.orgs_with_permission(permission text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 20
AS 'MODULE_PATHNAME', 'orgs_orgs_with_permission';
COMMENT ON FUNCTION orgs.orgs_with_permission(text) IS
    'Sorted keys of the orgs in which the acting user holds any of the listed org-level permissions.';

CREATE OR REPLACE FUNCTION orgs.lookup_app(app text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_app';
COMMENT ON FUNCTION orgs.lookup_app(text) IS
    'The key of app ''owner/app_id'', or NULL when there is none or the acting user cannot see it (trusted roles see every app).';
REVOKE ALL ON FUNCTION orgs.lookup_app(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION orgs.lookup_app(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION orgs.lookup_org(org_id text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_org';
COMMENT ON FUNCTION orgs.lookup_org(text) IS
    'The key of an organization by its org ID, or NULL when there is none or the acting user is not in it (trusted roles see every org).';
REVOKE ALL ON FUNCTION orgs.lookup_org(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION orgs.lookup_org(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION orgs.lookup_user(handle text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_user';
COMMENT ON FUNCTION orgs.lookup_user(text) IS
    'The key of a user by handle, or NULL when there is none or the acting user may not see it: itself, and the members of orgs where it holds members.view (trusted roles see every user).';
REVOKE ALL ON FUNCTION orgs.lookup_user(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION orgs.lookup_user(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.caller_is_superuser()
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_caller_is_superuser';
COMMENT ON FUNCTION orgs_internal.caller_is_superuser() IS
    'Whether the role outside any SECURITY DEFINER function is a superuser.';

CREATE OR REPLACE FUNCTION orgs.cache_stats(
    OUT generation bigint, OUT users bigint, OUT bytes bigint,
    OUT hits bigint, OUT misses bigint, OUT builds bigint, OUT uncached_builds bigint,
    OUT refreshes bigint, OUT team_builds bigint,
    OUT invalidations bigint, OUT dropped bigint, OUT resets bigint)
RETURNS record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_cache_stats';
COMMENT ON FUNCTION orgs.cache_stats() IS
    'This backend''s permission cache: generation (changes whenever anything is dropped), users cached, bytes held, checks answered from a memo (hits) or computed (misses), user entries built (and of those, too large to keep), user entries refreshed after a change of their teams'' grants or of their memberships, team grant lists read, invalidation codes received, entries they dropped, whole-cache resets.';

CREATE OR REPLACE FUNCTION orgs_internal.invalidate_cache()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'orgs_invalidate_cache';
COMMENT ON FUNCTION orgs_internal.invalidate_cache() IS
    'Trigger (statement): every backend drops its whole permission cache (TRUNCATE, and changes of the model tables).';

CREATE OR REPLACE FUNCTION orgs_internal.invalidate_row()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'orgs_invalidate_row';
COMMENT ON FUNCTION orgs_internal.invalidate_row() IS
    'Trigger (row): every backend drops the cached entries this row''s change can affect (the users, teams, orgs, apps and names it names).';

-- Row changes of the tables the engine reads invalidate what they affect
-- (a role an organization defined for itself: that org's members; a role
-- of every org: everything); TRUNCATE of them, and any change of the other
-- model tables, invalidates everything.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT pg_catalog.unnest(ARRAY['users', 'organizations', 'owner_names', 'members',
                                 'apps', 'teams', 'team_members', 'team_apps',
                                 'roles', 'role_org_permissions', 'role_app_baseline',
                                 'role_app_ceiling'])
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER invalidate_cache AFTER TRUNCATE ON orgs.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.invalidate_cache()', t);
        EXECUTE pg_catalog.format(
            'COMMENT ON TRIGGER invalidate_cache ON orgs.%I IS %L', t,
            'Drops every backend''s permission cache when this table is truncated.');
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER invalidate_row AFTER INSERT OR UPDATE OR DELETE ON orgs.%I '
            'FOR EACH ROW EXECUTE FUNCTION orgs_internal.invalidate_row()', t);
        EXECUTE pg_catalog.format(
            'COMMENT ON TRIGGER invalidate_row ON orgs.%I IS %L', t,
            'Drops, in every backend, the cached permission entries a change of this row affects.');
    END LOOP;
    FOR t IN SELECT pg_catalog.unnest(ARRAY['permissions', 'team_levels', 'team_level_permissions',
                                 'org_permissions_from_app'])
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE OR REPLACE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON orgs.%I FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.invalidate_cache()', t);
        EXECUTE pg_catalog.format(
            'COMMENT ON TRIGGER invalidate_cache ON orgs.%I IS %L', t,
            'Drops every backend''s permission cache when the model changes.');
    END LOOP;
END;
$$;

-- Every path that grants, or the reasons for a denial, without access checks.
CREATE OR REPLACE FUNCTION orgs_internal.explain_internal(p_user bigint, p_app bigint, p_perm text)
RETURNS TABLE(granted boolean, via text, detail text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app record;
    v_role orgs.org_role;
    v_scope bigint;
    v_handle text;
    v_owner text;
    v_in_base boolean;
    v_in_ceiling boolean;
    v_team record;
    v_any boolean := false;
BEGIN
    SELECT a.*, o.org_id AS org_name, u.handle AS owner_handle INTO v_app
      FROM orgs.apps a
      LEFT JOIN orgs.organizations o ON o.id = a.org_id
      LEFT JOIN orgs.users u ON u.id = a.owner_user_id
     WHERE a.id = p_app;
    SELECT u.handle INTO v_handle FROM orgs.users u WHERE u.id = p_user;

    IF v_app.owner_user_id IS NOT NULL THEN
        IF v_app.owner_user_id = p_user THEN
            RETURN QUERY SELECT true, 'owner'::text,
                format('user "%s" owns the personal app and holds every permission on it', v_handle);
        ELSE
            RETURN QUERY SELECT false, 'personal app'::text,
                format('the app is a personal app of user "%s"; personal apps are not shared', v_app.owner_handle);
        END IF;
        RETURN;
    END IF;

    SELECT m.role, m.role_scope INTO v_role, v_scope FROM orgs.members m
     WHERE m.org_id = v_app.org_id AND m.user_id = p_user;
    IF v_role IS NULL THEN
        RETURN QUERY SELECT false, 'not a member'::text,
            format('user "%s" is not a member of organization "%s"', v_handle, v_app.org_name);
        RETURN;
    END IF;

    v_in_base := EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                          WHERE b.role_scope = v_scope AND b.role = v_role AND b.permission = p_perm);
    v_in_ceiling := EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                             WHERE c.role_scope = v_scope AND c.role = v_role AND c.permission = p_perm);
    IF v_in_base THEN
        v_any := true;
        RETURN QUERY SELECT true, format('role %s', v_role),
            format('role "%s" in organization "%s" grants "%s" on every app of the organization',
                   v_role, v_app.org_name, p_perm);
    END IF;

    FOR v_team IN
        SELECT t.team_id, ta.permission AS level,
               EXISTS (SELECT 1 FROM orgs.team_level_permissions l
                        WHERE l.level = ta.permission AND l.permission = p_perm) AS in_level
          FROM orgs.team_members tm
          JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
          JOIN orgs.teams t ON t.id = tm.team_id
         WHERE tm.user_id = p_user AND tm.org_id = v_app.org_id
         ORDER BY t.team_key
    LOOP
        IF NOT v_team.in_level THEN
            RETURN QUERY SELECT false, format('team %s (%s)', v_team.team_id, v_team.level),
                format('level "%s" of team "%s" does not include "%s"', v_team.level, v_team.team_id, p_perm);
        ELSIF NOT v_in_ceiling THEN
            RETURN QUERY SELECT false, format('team %s (%s)', v_team.team_id, v_team.level),
                format('capped by role: level "%s" of team "%s" includes "%s", but role "%s" caps team grants below it',
                       v_team.level, v_team.team_id, p_perm, v_role);
        ELSE
            v_any := true;
            RETURN QUERY SELECT true, format('team %s (%s)', v_team.team_id, v_team.level),
                format('team "%s" holds the app at level "%s", which includes "%s"', v_team.team_id, v_team.level, p_perm);
        END IF;
    END LOOP;

    IF NOT v_any AND NOT v_in_base THEN
        IF NOT EXISTS (SELECT 1 FROM orgs.team_members tm
                         JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
                        WHERE tm.user_id = p_user) THEN
            RETURN QUERY SELECT false, 'no team'::text,
                format('role "%s" does not grant "%s" on every app, and no team of user "%s" holds the app',
                       v_role, p_perm, v_handle);
        END IF;
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.explain_internal(bigint, bigint, text) IS
    'Internal: the paths that grant or deny one app-level permission, without access checks.';
REVOKE ALL ON FUNCTION orgs_internal.explain_internal(bigint, bigint, text) FROM PUBLIC;

-- Resolve an app name for a caller: NULL-free; an app the caller cannot see
-- is reported exactly as one that does not exist.
CREATE OR REPLACE FUNCTION orgs_internal.visible_app(app text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := orgs.lookup_app(app);
    v_caller bigint := orgs.current_user_id();
BEGIN
    IF v_id IS NULL
       OR (v_caller IS NULL AND NOT orgs_internal.caller_is_superuser())
       OR (v_caller IS NOT NULL AND NOT orgs.has_app_permission(v_caller, v_id,
               (SELECT string_agg(p.name, ',') FROM orgs.permissions p WHERE p.scope = 'app'))) THEN
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs_internal.visible_app(text) IS
    'Internal: the key of an app the caller holds any permission on; otherwise the same error as for an app that does not exist.';
REVOKE ALL ON FUNCTION orgs_internal.visible_app(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.single_app_permission(permission text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := lower(btrim(permission));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orgs.permissions p WHERE p.scope = 'app' AND p.name = v) THEN
        RAISE EXCEPTION 'unrecognized permission: "%"', v USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs_internal.single_app_permission(text) IS
    'Internal: one app-level permission name, normalized; unrecognized names are an error.';

CREATE OR REPLACE FUNCTION orgs.explain_app_permission(user_handle text, app text, permission text)
RETURNS TABLE(granted boolean, via text, detail text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs_internal.single_app_permission(permission);
    v_app bigint := orgs_internal.visible_app(app);
    v_user bigint := orgs.lookup_user(user_handle);
    v_caller bigint := orgs.current_user_id();
    v_org bigint;
    v_expected boolean;
    v_got boolean := false;
    r record;
BEGIN
    -- a user the acting user may not see (itself, or a member of an org
    -- where it holds members.view) does not exist for it
    IF v_user IS NULL
       OR (v_caller IS NOT NULL AND v_user <> v_caller
           AND NOT EXISTS (SELECT 1 FROM orgs.members m
                            WHERE m.user_id = v_user
                              AND coalesce(orgs.has_org_permission(v_caller, m.org_id, 'members.view'), false))) THEN
        RAISE EXCEPTION 'user "%" does not exist', user_handle USING ERRCODE = 'undefined_object';
    END IF;
    SELECT a.org_id INTO v_org FROM orgs.apps a WHERE a.id = v_app;
    IF v_caller IS NOT NULL AND v_caller <> v_user
       AND (v_org IS NULL OR NOT orgs.has_org_permission(v_caller, v_org, 'members.view')) THEN
        RAISE EXCEPTION 'permission denied to explain the permissions of user "%"', user_handle
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = CASE WHEN v_org IS NULL
                                THEN 'Only the owner of a personal app can explain permissions on it.'
                                ELSE 'Explaining another user''s permissions needs members.view in the app''s organization.' END;
    END IF;
    v_expected := orgs.has_app_permission(v_user, v_app, v_perm);
    FOR r IN SELECT * FROM orgs_internal.explain_internal(v_user, v_app, v_perm) LOOP
        v_got := v_got OR r.granted;
        granted := r.granted; via := r.via; detail := r.detail;
        RETURN NEXT;
    END LOOP;
    IF v_got IS DISTINCT FROM v_expected THEN
        RAISE EXCEPTION 'explanation of "%" for user "%" on app "%" disagrees with the permission engine',
            v_perm, user_handle, app USING ERRCODE = 'internal_error';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.explain_app_permission(text, text, text) IS
    'Every path that grants an app-level permission to a user (org role, team and level), or why it is denied.';

CREATE OR REPLACE FUNCTION orgs.who_can(app text, permission text)
RETURNS TABLE(user_handle text, via text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs_internal.single_app_permission(permission);
    v_app bigint := orgs_internal.visible_app(app);
    v_caller bigint := orgs.current_user_id();
    v_org bigint;
    v_owner bigint;
BEGIN
    SELECT a.org_id, a.owner_user_id INTO v_org, v_owner FROM orgs.apps a WHERE a.id = v_app;
    IF v_caller IS NOT NULL AND v_caller IS DISTINCT FROM v_owner
       AND (v_org IS NULL OR NOT orgs.has_org_permission(v_caller, v_org, 'members.view')) THEN
        RAISE EXCEPTION 'permission denied to review access to app "%"', app
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Access review needs members.view in the app''s organization.';
    END IF;
    RETURN QUERY
        SELECT u.handle::text,
               (SELECT string_agg(e.via, ', ') FROM orgs_internal.explain_internal(u.id, v_app, v_perm) e
                 WHERE e.granted)
          FROM orgs.users u
         WHERE (u.id = v_owner
                OR u.id IN (SELECT m.user_id FROM orgs.members m WHERE m.org_id = v_org))
           AND orgs.has_app_permission(u.id, v_app, v_perm)
         ORDER BY u.handle_key;
END;
$$;
COMMENT ON FUNCTION orgs.who_can(text, text) IS
    'Access review: every user who holds the permission on the app, and through what.';
