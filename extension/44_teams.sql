--------------------------------------------------------------------------
-- Teams (docs/reference.md)
--------------------------------------------------------------------------
--
-- Teams of an org hold the org's apps at a level (docs/permissions.md).
-- Team IDs are identifiers, unique within the org without regard to case.
-- Only members of the org join its teams; only apps the org owns are added
-- (the composite foreign keys of 00_schema.sql enforce both; the functions
-- lock the membership or app row first, so that a concurrent removal or
-- transfer either waits for them or makes them fail with a clear error).
--
-- No escalation (invariant 5): a team grant never gives a permission the
-- acting user lacks on that app.  Adding or re-levelling an app checks
-- every permission of the level with the engine; adding a member checks,
-- for every app of the team, what the level gives that member (the level
-- capped by the member's role ceiling).

-- A team of an org the acting user may list (teams.view), or 42704.
CREATE OR REPLACE FUNCTION orgs_internal.visible_team(org bigint, team_id text)
RETURNS orgs.teams
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_team orgs.teams;
BEGIN
    SELECT t.* INTO v_team FROM orgs.teams t
     WHERE t.org_id = org AND t.team_key = lower(visible_team.team_id);
    IF NOT FOUND OR NOT COALESCE(orgs.has_org_permission(org, 'teams.view'), false) THEN
        RAISE EXCEPTION 'team "%" does not exist in organization "%"', team_id, orgs_internal.org_name(org)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_team;
END;
$$;
COMMENT ON FUNCTION orgs_internal.visible_team(bigint, text) IS
    'Internal: a team of the org that the acting user may see (teams.view); otherwise the same error as for one that does not exist.';
REVOKE ALL ON FUNCTION orgs_internal.visible_team(bigint, text) FROM PUBLIC;

-- Lock a team's row (found by visible_team; team_id as the caller named it,
-- for the error) as a row that references it will: a team that delete_team
-- removed meanwhile is missing (42704), not a foreign key error.  For the
-- functions that add to a team; not in visible_team, which delete_team also
-- calls and would then upgrade its lock.
CREATE OR REPLACE FUNCTION orgs_internal.lock_team(org bigint, team bigint, team_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM FROM orgs.teams t WHERE t.id = lock_team.team FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'team "%" does not exist in organization "%"', lock_team.team_id, orgs_internal.org_name(org)
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_team(bigint, bigint, text) IS
    'Internal: key-share lock on a team''s row before adding to the team; 42704 if it was deleted meanwhile.';
REVOKE ALL ON FUNCTION orgs_internal.lock_team(bigint, bigint, text) FROM PUBLIC;

-- The display name of an app: owner/app_id.
CREATE OR REPLACE FUNCTION orgs_internal.app_name(app bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT COALESCE(o.org_id::text, u.handle::text) OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) a.app_id::text
              FROM orgs.apps a
              LEFT JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) a.org_id
              LEFT JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) a.owner_user_id
             WHERE a.id OPERATOR(pg_catalog.=) app);
END;
COMMENT ON FUNCTION orgs_internal.app_name(bigint) IS 'Internal: the name ''owner/app_id'' of an app key.';
REVOKE ALL ON FUNCTION orgs_internal.app_name(bigint) FROM PUBLIC;

-- The first permission of `perms` the acting user does not hold on the app.
CREATE OR REPLACE FUNCTION orgs_internal.first_permission_not_held(app bigint, perms text[])
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT p.p FROM pg_catalog.unnest(perms) AS p(p)
     WHERE NOT COALESCE(orgs.has_app_permission(first_permission_not_held.app, p.p), false)
     ORDER BY p.p COLLATE "C"
     LIMIT 1;
END;
COMMENT ON FUNCTION orgs_internal.first_permission_not_held(bigint, text[]) IS
    'Internal: the first of the app-level permissions that the acting user does not hold on the app, or NULL.';
REVOKE ALL ON FUNCTION orgs_internal.first_permission_not_held(bigint, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.level_permissions(level orgs.team_permission)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(l.permission::text ORDER BY l.permission), '{}')
      FROM orgs.team_level_permissions l
     WHERE l.level OPERATOR(pg_catalog.=) level_permissions.level;
END;
COMMENT ON FUNCTION orgs.level_permissions(orgs.team_permission) IS
    'L(level): the app-level permissions of a team level, sorted.';

-- A team level named in a team function: invalid_parameter_value unless
-- it exists.
CREATE OR REPLACE FUNCTION orgs_internal.require_level(level text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orgs.team_levels l WHERE l.name = level) THEN
        RAISE EXCEPTION 'team permission level "%" does not exist', level
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The levels are: %s.', (SELECT string_agg(l.name, ', ' ORDER BY l.name) FROM orgs.team_levels l));
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_level(text) IS
    'Internal: invalid_parameter_value unless the team level exists.';
REVOKE ALL ON FUNCTION orgs_internal.require_level(text) FROM PUBLIC;

-- A team level a write is about to store, locked (FOR KEY SHARE: the lock
-- the foreign key takes anyway, taken before the write instead of at it).
-- A drop_level or rename_level that comes later waits for us (and then
-- finds the level held); one that committed meanwhile leaves no row to
-- lock, and the level is reported missing like one that never existed,
-- not as a foreign key violation.  (Dropped and defined again meanwhile:
-- the new row is locked.)  Not in require_level: that one also serves the
-- read paths, which take no lock.
CREATE OR REPLACE FUNCTION orgs_internal.lock_level(level text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    LOOP
        PERFORM FROM orgs.team_levels l WHERE l.name = level FOR KEY SHARE;
        EXIT WHEN FOUND;
        PERFORM orgs_internal.require_level(level);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_level(text) IS
    'Internal: lock a team level''s row until the transaction ends (FOR KEY SHARE); invalid_parameter_value if it is gone.';
REVOKE ALL ON FUNCTION orgs_internal.lock_level(text) FROM PUBLIC;

-- Invariant 5 for a team grant: the level must be within the acting user's
-- effective set on the app.
CREATE OR REPLACE FUNCTION orgs_internal.require_level_within_actor(app bigint, level orgs.team_permission)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text;
BEGIN
    PERFORM orgs_internal.require_level(level);
    v_perm := orgs_internal.first_permission_not_held(app, orgs.level_permissions(level));
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to grant level "%" on app "%"', level, orgs_internal.app_name(app)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Level "%s" includes permission "%s", which the acting user does not hold on the app.', level, v_perm),
                  HINT = 'Nobody can grant a permission they do not hold.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_level_within_actor(bigint, orgs.team_permission) IS
    'Internal: raise insufficient_privilege when a team level gives a permission the acting user lacks on the app.';
REVOKE ALL ON FUNCTION orgs_internal.require_level_within_actor(bigint, orgs.team_permission) FROM PUBLIC;

-- An app named in a team function: visible to the acting user, or 42704.
CREATE OR REPLACE FUNCTION orgs_internal.resolve_app(app text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF app IS NULL OR app !~ '^[^/]+/[^/]+$' THEN
        RAISE EXCEPTION 'invalid app name: "%"', app
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An app is named as "owner/app_id".';
    END IF;
    RETURN orgs_internal.visible_app(app);
END;
$$;
COMMENT ON FUNCTION orgs_internal.resolve_app(text) IS
    'Internal: the key of an app named ''owner/app_id'' that the acting user may see; otherwise the error for one that does not exist.';
REVOKE ALL ON FUNCTION orgs_internal.resolve_app(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.create_team(org_id text, team_id text, name text,
                                 default_permission orgs.team_permission)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_name text := orgs_internal.clean_name('team', name);
    v_org bigint;
    v_id bigint;
BEGIN
    PERFORM orgs_internal.check_identifier('team ID', team_id);
    IF default_permission IS NULL THEN
        RAISE EXCEPTION 'default permission must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM orgs_internal.require_level(default_permission);
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage', 'create teams in organization %s');
    -- as in create_app: an org deleted meanwhile is missing, not a foreign
    -- key error
    PERFORM FROM orgs.organizations o WHERE o.id = v_org FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization "%" does not exist', org_id USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.lock_level(default_permission);
    BEGIN
        INSERT INTO orgs.teams AS t (org_id, team_id, name, default_permission)
        VALUES (v_org, create_team.team_id, v_name, create_team.default_permission)
        RETURNING t.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'team "%" already exists in organization "%"', team_id, orgs_internal.org_name(v_org)
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'Team IDs are unique within an organization, compared without regard to case.';
    END;
    PERFORM orgs_internal.write_audit(v_org, 107, 'team_created', team_id,
                             jsonb_build_object('name', v_name, 'default_permission', default_permission));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_team(text, text, text, orgs.team_permission) IS
    'Create a team with a team ID, a name and the default level of the apps added to it (teams.manage).';

CREATE OR REPLACE FUNCTION orgs.rename_team(org_id text, team_id text, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_name text := orgs_internal.clean_name('team', name);
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage', 'rename teams in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    IF v_team.name = v_name THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.teams t SET name = v_name WHERE t.id = v_team.id;
    PERFORM orgs_internal.write_audit(v_org, 108, 'team_updated', v_team.team_id::text,
                             jsonb_build_object('name', jsonb_build_object('old', v_team.name, 'new', v_name)));
END;
$$;
COMMENT ON FUNCTION orgs.rename_team(text, text, text) IS 'Rename a team (teams.manage).';

CREATE OR REPLACE FUNCTION orgs.set_team_default_permission(org_id text, team_id text,
                                                            default_permission orgs.team_permission)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
BEGIN
    IF default_permission IS NULL THEN
        RAISE EXCEPTION 'default permission must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM orgs_internal.require_level(default_permission);
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage', 'change teams in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    IF v_team.default_permission = set_team_default_permission.default_permission THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    PERFORM orgs_internal.lock_level(default_permission);
    UPDATE orgs.teams t SET default_permission = set_team_default_permission.default_permission
     WHERE t.id = v_team.id;
    PERFORM orgs_internal.write_audit(v_org, 108, 'team_updated', v_team.team_id::text,
                             jsonb_build_object('default_permission',
                                                jsonb_build_object('old', v_team.default_permission,
                                                                   'new', set_team_default_permission.default_permission)));
END;
$$;
COMMENT ON FUNCTION orgs.set_team_default_permission(text, text, orgs.team_permission) IS
    'Change the level a team gives the apps added to it without one (teams.manage); the levels of its apps stay as they are.';

CREATE OR REPLACE FUNCTION orgs.delete_team(org_id text, team_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
    v_members jsonb;
    v_apps jsonb;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage', 'delete teams in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    SELECT COALESCE(jsonb_agg(u.handle::text ORDER BY u.handle_key), '[]') INTO v_members
      FROM orgs.team_members tm JOIN orgs.users u ON u.id = tm.user_id
     WHERE tm.team_id = v_team.id;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('app', orgs_internal.app_name(ta.app_id), 'permission', ta.permission)
                              ORDER BY ta.app_id), '[]') INTO v_apps
      FROM orgs.team_apps ta WHERE ta.team_id = v_team.id;
    DELETE FROM orgs.teams t WHERE t.id = v_team.id;
    PERFORM orgs_internal.write_audit(v_org, 109, 'team_deleted', v_team.team_id::text,
                             jsonb_build_object('name', v_team.name, 'members', v_members, 'apps', v_apps));
END;
$$;
COMMENT ON FUNCTION orgs.delete_team(text, text) IS 'Delete a team with its memberships and app grants (teams.manage).';

CREATE OR REPLACE FUNCTION orgs.add_team_member(org_id text, team_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
    v_user bigint;
    v_role orgs.org_role;
    v_scope bigint;
    r record;
    v_perm text;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage_members', 'add team members in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    PERFORM orgs_internal.lock_team(v_org, v_team.id, team_id);
    -- a user that exists only outside the org gets the same error as one
    -- that does not exist at all
    v_user := CASE WHEN user_handle IS NULL THEN NULL ELSE orgs.lookup_user(user_handle) END;
    -- lock the membership: a concurrent removal from the org waits for us
    -- (and then takes the new team membership with it) or we see it gone
    SELECT m.role, m.role_scope INTO v_role, v_scope FROM orgs.members m
     WHERE m.org_id = v_org AND m.user_id = v_user FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of organization "%"', user_handle, orgs_internal.org_name(v_org)
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only members of the organization can be added to its teams.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.team_members tm WHERE tm.team_id = v_team.id AND tm.user_id = v_user) THEN
        RAISE EXCEPTION 'user "%" is already a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'duplicate_object';
    END IF;
    -- no escalation: what the team's apps give this member, the actor holds
    FOR r IN SELECT ta.app_id, ta.permission FROM orgs.team_apps ta
              WHERE ta.team_id = v_team.id ORDER BY ta.app_id LOOP
        v_perm := orgs_internal.first_permission_not_held(r.app_id, ARRAY(
                      SELECT l.permission::text FROM orgs.team_level_permissions l
                        JOIN orgs.role_app_ceiling c ON c.permission = l.permission
                                                    AND c.role_scope = v_scope AND c.role = v_role
                       WHERE l.level = r.permission));
        IF v_perm IS NOT NULL THEN
            RAISE EXCEPTION 'permission denied to add user "%" to team "%"', user_handle, v_team.team_id
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Team "%s" holds app "%s" at level "%s", which would give the user permission "%s" that the acting user does not hold on the app.',
                                      v_team.team_id, orgs_internal.app_name(r.app_id), r.permission, v_perm),
                      HINT = 'Nobody can grant a permission they do not hold.';
        END IF;
    END LOOP;
    BEGIN
        INSERT INTO orgs.team_members (org_id, team_id, user_id) VALUES (v_org, v_team.id, v_user);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'user "%" is already a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'duplicate_object';
    END;
    PERFORM orgs_internal.write_audit(v_org, 110, 'team_member_added', v_team.team_id::text,
                             jsonb_build_object('user', (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_user)));
END;
$$;
COMMENT ON FUNCTION orgs.add_team_member(text, text, text) IS
    'Add a member of the organization to one of its teams (teams.manage_members).';

CREATE OR REPLACE FUNCTION orgs.remove_team_member(org_id text, team_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
    v_user bigint;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage_members', 'remove team members in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    v_user := CASE WHEN user_handle IS NULL THEN NULL ELSE orgs.lookup_user(user_handle) END;
    DELETE FROM orgs.team_members tm WHERE tm.team_id = v_team.id AND tm.user_id = v_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.write_audit(v_org, 111, 'team_member_removed', v_team.team_id::text,
                             jsonb_build_object('user', (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_user)));
END;
$$;
COMMENT ON FUNCTION orgs.remove_team_member(text, text, text) IS
    'Remove a user from a team (teams.manage_members).';

CREATE OR REPLACE FUNCTION orgs.add_team_app(org_id text, team_id text, app text,
                                  permission orgs.team_permission DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
    v_app bigint;
    v_app_org bigint;
    v_level orgs.team_permission;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage_apps', 'add team apps in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    PERFORM orgs_internal.lock_team(v_org, v_team.id, team_id);
    v_app := orgs_internal.resolve_app(app);
    -- lock the app: a concurrent transfer out waits for us (and then drops
    -- the grant) or we see the new owner
    SELECT a.org_id INTO v_app_org FROM orgs.apps a WHERE a.id = v_app FOR KEY SHARE;
    IF v_app_org IS DISTINCT FROM v_org THEN
        RAISE EXCEPTION 'app "%" is not owned by organization "%"', app, orgs_internal.org_name(v_org)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Only apps the organization owns can be added to its teams; transfer the app to the organization first.';
    END IF;
    v_level := COALESCE(permission, v_team.default_permission);
    PERFORM orgs_internal.require_level_within_actor(v_app, v_level);
    PERFORM orgs_internal.lock_level(v_level);
    BEGIN
        INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
        VALUES (v_org, v_team.id, v_app, v_level);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%" is already in team "%"', orgs_internal.app_name(v_app), v_team.team_id
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Use orgs.set_team_app_permission to change its level.';
    END;
    PERFORM orgs_internal.write_audit(v_org, 112, 'team_app_added', v_team.team_id::text,
                             jsonb_build_object('app', orgs_internal.app_name(v_app), 'permission', v_level));
END;
$$;
COMMENT ON FUNCTION orgs.add_team_app(text, text, text, orgs.team_permission) IS
    'Give a team an app the organization owns at a level (teams.manage_apps); NULL means the team''s default level.';

CREATE OR REPLACE FUNCTION orgs.set_team_app_permission(org_id text, team_id text, app text,
                                             permission orgs.team_permission)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint;
    v_team orgs.teams;
    v_app bigint;
    v_old orgs.team_permission;
BEGIN
    IF permission IS NULL THEN
        RAISE EXCEPTION 'permission must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage_apps', 'change team app permissions in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    v_app := orgs_internal.resolve_app(app);
    SELECT ta.permission INTO v_old FROM orgs.team_apps ta
     WHERE ta.team_id = v_team.id AND ta.app_id = v_app FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app "%" is not in team "%"', orgs_internal.app_name(v_app), v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.require_level_within_actor(v_app, permission);
    IF v_old = permission THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    PERFORM orgs_internal.lock_level(permission);
    UPDATE orgs.team_apps ta SET permission = set_team_app_permission.permission
     WHERE ta.team_id = v_team.id AND ta.app_id = v_app;
    PERFORM orgs_internal.write_audit(v_org, 108, 'team_updated', v_team.team_id::text,
                             jsonb_build_object('app', orgs_internal.app_name(v_app),
                                                'permission', jsonb_build_object('old', v_old, 'new', permission)));
END;
$$;
COMMENT ON FUNCTION orgs.set_team_app_permission(text, text, text, orgs.team_permission) IS
    'Change the level at which a team holds an app (teams.manage_apps).';

CREATE OR REPLACE FUNCTION orgs.remove_team_app(org_id text, team_id text, app text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_team orgs.teams;
    v_app bigint;
    v_old orgs.team_permission;
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'teams.manage_apps', 'remove team apps in organization %s');
    v_team := orgs_internal.visible_team(v_org, team_id);
    v_app := orgs_internal.resolve_app(app);
    DELETE FROM orgs.team_apps ta WHERE ta.team_id = v_team.id AND ta.app_id = v_app
    RETURNING ta.permission INTO v_old;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app "%" is not in team "%"', orgs_internal.app_name(v_app), v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.write_audit(v_org, 113, 'team_app_removed', v_team.team_id::text,
                             jsonb_build_object('app', orgs_internal.app_name(v_app), 'permission', v_old));
END;
$$;
COMMENT ON FUNCTION orgs.remove_team_app(text, text, text) IS 'Take an app away from a team (teams.manage_apps).';
