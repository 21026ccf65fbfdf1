--------------------------------------------------------------------------
-- Organizations and members (docs/reference.md)
--------------------------------------------------------------------------
--
-- Every function of the flows (40_orgs.sql to 46_apps.sql) runs as the
-- extension owner (SECURITY DEFINER), acts for orgs.current_user_id() and
-- decides with the C engine.  The order of the checks is always:
--
--   1. no acting user                              42501
--   2. bad argument (syntax, range)                22023
--   3. an org, team or app the acting user cannot
--      see, or that does not exist                 42704 (one message)
--   4. a permission the acting user lacks          42501
--   5. a name that is already taken                42710
--
-- Audit log event codes (orgs.audit_log.event_code).  Every change made
-- by these functions writes its rows in the same transaction:
--
--   code  event                     written by
--   ----  ------------------------  ---------------------------------------
--   100   member_added              create_org (the creator), accept_invitation
--   101   member_role_changed       set_member_role
--   102   member_removed            remove_member, leave_org (details.left)
--   103   invitation_created        invite
--   104   invitation_cancelled      rescind_invitation
--   105   invitation_accepted       accept_invitation
--   106   invitation_declined       decline_invitation
--   107   team_created              create_team
--   108   team_updated              rename_team, set_team_default_permission, set_team_app_permission
--   109   team_deleted              delete_team
--   110   team_member_added         add_team_member
--   111   team_member_removed       remove_team_member
--   112   team_app_added            add_team_app
--   113   team_app_removed          remove_team_app
--   200   org_created               create_org
--   201   org_updated               update_org
--   202   org_deleted               delete_org (details.dropped_apps)
--   210   app_created               create_app
--   211   app_transferred_in        transfer_app (row of the receiving org)
--   212   app_transferred_out       transfer_app (row of the giving org, or
--                                   org_id NULL for a personal app)
--   213   app_deleted               delete_app
--   214   app_updated               update_app (details.changes: old and new)
--
-- Codes 100 to 113 are the product's; 200 and up are this extension's.
-- Events of personal apps are logged with org_id NULL and are readable by
-- the user who acted.

--------------------------------------------------------------------------
-- Internal helpers
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs_internal.require_actor()
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := orgs.current_user_id();
BEGIN
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no acting user'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This function acts on behalf of a user of pg_orgs.',
                  HINT = 'Call orgs.act_as() first, or link the database role to a user with orgs.link_db_role().';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_actor() IS
    'Internal: the acting user''s key; insufficient_privilege when there is none.';
REVOKE ALL ON FUNCTION orgs_internal.require_actor() FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.visible_org(org_id text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := CASE WHEN org_id IS NULL THEN NULL ELSE orgs.lookup_org(org_id) END;
BEGIN
    IF v_id IS NULL OR NOT coalesce(orgs.has_org_permission(v_id, 'org.view'), false) THEN
        RAISE EXCEPTION 'organization "%" does not exist', org_id
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs_internal.visible_org(text) IS
    'Internal: the key of an organization the acting user may see (org.view); otherwise the same error as for one that does not exist.';
REVOKE ALL ON FUNCTION orgs_internal.visible_org(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.org_name(org bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT o.org_id::text FROM orgs.organizations o WHERE o.id OPERATOR(pg_catalog.=) org);
END;
COMMENT ON FUNCTION orgs_internal.org_name(bigint) IS 'Internal: the org ID of an organization key.';
REVOKE ALL ON FUNCTION orgs_internal.org_name(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.require_org_permission(org bigint, permission text, action text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT coalesce(orgs.has_org_permission(org, permission), false) THEN
        RAISE EXCEPTION 'permission denied to %', format(action, '"' || orgs_internal.org_name(org) || '"')
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('This requires permission "%s" in the organization.', permission);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_org_permission(bigint, text, text) IS
    'Internal: raise insufficient_privilege unless the acting user holds the org-level permission; action names what was denied, %s standing for the organization ("invite members in organization %s").';
REVOKE ALL ON FUNCTION orgs_internal.require_org_permission(bigint, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.clean_name(kind text, value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := btrim(value);
BEGIN
    IF v IS NULL OR length(v) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid % name: "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A name has 1 to 200 characters, not counting leading and trailing spaces.';
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs_internal.clean_name(text, text) IS
    'Internal: a display name trimmed; invalid_parameter_value unless it has 1 to 200 characters.';

-- One row of the audit log, in the caller's transaction.
CREATE OR REPLACE FUNCTION orgs_internal.write_audit(org bigint, event_code integer, event text,
                                 target text, details jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    INSERT INTO orgs.audit_log (org_id, actor_id, actor_handle, event_code, event, target, details)
    VALUES (org, orgs.current_user_id(), orgs.current_user_handle(), event_code, event, target,
            COALESCE(details, '{}'::jsonb));
END;
COMMENT ON FUNCTION orgs_internal.write_audit(bigint, integer, text, text, jsonb) IS
    'Internal: append one row to the audit log for the acting user (codes at the top of 40_orgs.sql and in README.md).';
REVOKE ALL ON FUNCTION orgs_internal.write_audit(bigint, integer, text, text, jsonb) FROM PUBLIC;

-- The scope of the role of that name in an org: the org's own role (its
-- key), else the role of every org (0); NULL when there is neither.
CREATE OR REPLACE FUNCTION orgs_internal.role_scope_in(org bigint, role text)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT (SELECT r.role_scope FROM orgs.roles r
             WHERE r.role_scope OPERATOR(pg_catalog.=) ANY (ARRAY[0, role_scope_in.org])
               AND r.name OPERATOR(pg_catalog.=) role_scope_in.role
             ORDER BY r.role_scope DESC LIMIT 1);
END;
COMMENT ON FUNCTION orgs_internal.role_scope_in(bigint, text) IS
    'Internal: where the role of that name is defined for an organization: the org''s key for its own role, 0 for a role of every organization, NULL for none.';
REVOKE ALL ON FUNCTION orgs_internal.role_scope_in(bigint, text) FROM PUBLIC;

-- What a role grants, as sorted arrays.
CREATE OR REPLACE FUNCTION orgs_internal.role_grants(role_scope bigint, role text,
                                 OUT org_permissions text[], OUT baseline text[], OUT ceiling text[])
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT ARRAY(SELECT g.permission::text FROM orgs.role_org_permissions g
                  WHERE g.role_scope OPERATOR(pg_catalog.=) role_grants.role_scope
                    AND g.role OPERATOR(pg_catalog.=) role_grants.role ORDER BY 1),
           ARRAY(SELECT g.permission::text FROM orgs.role_app_baseline g
                  WHERE g.role_scope OPERATOR(pg_catalog.=) role_grants.role_scope
                    AND g.role OPERATOR(pg_catalog.=) role_grants.role ORDER BY 1),
           ARRAY(SELECT g.permission::text FROM orgs.role_app_ceiling g
                  WHERE g.role_scope OPERATOR(pg_catalog.=) role_grants.role_scope
                    AND g.role OPERATOR(pg_catalog.=) role_grants.role ORDER BY 1);
END;
COMMENT ON FUNCTION orgs_internal.role_grants(bigint, text) IS
    'Internal: the org-level permissions, baseline and ceiling of a role, sorted.';
REVOKE ALL ON FUNCTION orgs_internal.role_grants(bigint, text) FROM PUBLIC;

-- Invariant 5 for a set of grants: the first permission the sets would
-- give in the org that the acting user does not hold, or NULL.  Org level
-- through the engine; app level from the actor's role: B within the
-- actor's baseline, C within the actor's baseline and ceiling.
CREATE OR REPLACE FUNCTION orgs_internal.grants_exceeding_actor(org bigint, org_perms text[],
                                            baseline text[], ceiling text[])
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH me AS (SELECT m.role_scope, m.role FROM orgs.members m
                 WHERE m.org_id OPERATOR(pg_catalog.=) grants_exceeding_actor.org
                   AND m.user_id OPERATOR(pg_catalog.=) orgs.current_user_id())
    SELECT x.permission
      FROM (SELECT p AS permission, 1 AS ord
              FROM pg_catalog.unnest(grants_exceeding_actor.org_perms) AS p
             WHERE NOT COALESCE(orgs.has_org_permission(grants_exceeding_actor.org, p), false)
            UNION ALL
            SELECT b, 2
              FROM pg_catalog.unnest(grants_exceeding_actor.baseline) AS b
             WHERE NOT EXISTS (SELECT 1 FROM me JOIN orgs.role_app_baseline ab
                                 ON ab.role_scope OPERATOR(pg_catalog.=) me.role_scope
                                AND ab.role OPERATOR(pg_catalog.=) me.role
                                WHERE ab.permission OPERATOR(pg_catalog.=) b)
            UNION ALL
            SELECT c, 3
              FROM pg_catalog.unnest(grants_exceeding_actor.ceiling) AS c
             WHERE NOT EXISTS (SELECT 1 FROM me
                                WHERE EXISTS (SELECT 1 FROM orgs.role_app_baseline ab
                                               WHERE ab.role_scope OPERATOR(pg_catalog.=) me.role_scope
                                                 AND ab.role OPERATOR(pg_catalog.=) me.role
                                                 AND ab.permission OPERATOR(pg_catalog.=) c)
                                   OR EXISTS (SELECT 1 FROM orgs.role_app_ceiling ac
                                               WHERE ac.role_scope OPERATOR(pg_catalog.=) me.role_scope
                                                 AND ac.role OPERATOR(pg_catalog.=) me.role
                                                 AND ac.permission OPERATOR(pg_catalog.=) c))) x
     ORDER BY x.ord, x.permission
     LIMIT 1;
END;
COMMENT ON FUNCTION orgs_internal.grants_exceeding_actor(bigint, text[], text[], text[]) IS
    'Internal: a permission these grants would give in the org that the acting user does not hold (invariant 5), or NULL.';
REVOKE ALL ON FUNCTION orgs_internal.grants_exceeding_actor(bigint, text[], text[], text[]) FROM PUBLIC;

-- Invariant 5 for roles: the first permission that role would give in the
-- org and that the acting user does not hold, or NULL when there is none.
CREATE OR REPLACE FUNCTION orgs_internal.role_exceeding_actor(org bigint, role orgs.org_role)
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs_internal.grants_exceeding_actor(role_exceeding_actor.org, g.org_permissions, g.baseline, g.ceiling)
      FROM orgs_internal.role_grants(COALESCE(orgs_internal.role_scope_in(role_exceeding_actor.org, role_exceeding_actor.role), 0),
                            role_exceeding_actor.role) g;
END;
COMMENT ON FUNCTION orgs_internal.role_exceeding_actor(bigint, orgs.org_role) IS
    'Internal: a permission the role would give in the org that the acting user does not hold (invariant 5), or NULL.';
REVOKE ALL ON FUNCTION orgs_internal.role_exceeding_actor(bigint, orgs.org_role) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs_internal.require_role_within_actor(org bigint, role orgs.org_role, action text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text;
BEGIN
    IF orgs_internal.role_scope_in(org, role) IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', role
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('The roles of organization "%s" are: %s.', orgs_internal.org_name(org),
                                (SELECT string_agg(r.name, ', ' ORDER BY r.role_scope <> 0, r.name)
                                   FROM orgs.roles r WHERE r.role_scope IN (0, org)));
    END IF;
    v_perm := orgs_internal.role_exceeding_actor(org, role);
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to % role "%" in organization "%"', action, role, orgs_internal.org_name(org)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Role "%s" includes permission "%s", which the acting user does not hold.', role, v_perm),
                  HINT = CASE WHEN action IN ('grant', 'invite with')
                              THEN 'Nobody can grant a permission they do not hold.'
                              ELSE 'Only a member who holds every permission of a role can change or remove members with that role.' END;
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.require_role_within_actor(bigint, orgs.org_role, text) IS
    'Internal: raise invalid_parameter_value when the organization has no such role, insufficient_privilege when the role holds a permission the acting user lacks in the org.';
REVOKE ALL ON FUNCTION orgs_internal.require_role_within_actor(bigint, orgs.org_role, text) FROM PUBLIC;

-- A role a write is about to give (a member's new role, an invitation's),
-- locked like a team level (lock_level): a drop_role or rename_role that
-- comes later waits and then finds the role held; one that committed
-- meanwhile makes the role missing (22023), not a foreign key violation.
-- A role dropped and defined again meanwhile is checked again before its
-- new row is locked.  (An org's own roles change only under the org's
-- membership lock, which the callers hold: this matters for the roles of
-- every org, which the DBA changes.)
CREATE OR REPLACE FUNCTION orgs_internal.lock_role(org bigint, role orgs.org_role, action text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    LOOP
        PERFORM FROM orgs.roles r
         WHERE r.role_scope IN (0, org) AND r.name = lock_role.role FOR KEY SHARE;
        EXIT WHEN FOUND;
        PERFORM orgs_internal.require_role_within_actor(org, role, action);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_role(bigint, orgs.org_role, text) IS
    'Internal: lock the row of a role of an organization until the transaction ends (FOR KEY SHARE); the errors of require_role_within_actor if it is gone.';
REVOKE ALL ON FUNCTION orgs_internal.lock_role(bigint, orgs.org_role, text) FROM PUBLIC;

-- Serialize the membership changes of one organization, and make the
-- permission checks that follow see everything committed before.  The row
-- update waits for any concurrent membership change in the org (the
-- last-admin trigger updates the same row); its statement trigger
-- invalidates this backend's permission cache, which the engine then
-- rebuilds from the next statement's snapshot.  Without it, an admin
-- demoted by a transaction that commits while we wait would still pass
-- the members.manage check (the cache takes in other backends'
-- invalidations only once per top-level statement).
-- An org that a transaction which committed while we waited deleted is
-- missing (42704): the callers looked it up before, and would otherwise go
-- on and fail on a foreign key.
CREATE OR REPLACE FUNCTION orgs_internal.lock_org_membership(org bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE orgs.organizations o SET admin_epoch = o.admin_epoch
     WHERE o.id = lock_org_membership.org;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization does not exist'
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'It was deleted by a transaction that committed meanwhile.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs_internal.lock_org_membership(bigint) IS
    'Internal: lock an organization''s row to serialize its membership changes, and refresh this backend''s permission cache.';
REVOKE ALL ON FUNCTION orgs_internal.lock_org_membership(bigint) FROM PUBLIC;

--------------------------------------------------------------------------
-- Organizations
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs.create_org(org_id text, name text, billing_email text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_name text := orgs_internal.clean_name('organization', name);
    v_billing text := CASE WHEN billing_email IS NULL THEN NULL ELSE orgs_internal.clean_email(billing_email) END;
    v_id bigint;
BEGIN
    PERFORM orgs_internal.check_identifier('organization ID', org_id);
    IF EXISTS (SELECT 1 FROM orgs.owner_names n
                WHERE n.name_key = lower(create_org.org_id) AND n.user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'organization ID "%" is already taken', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A user has this handle: user handles and organization IDs share one namespace and are compared without regard to case.';
    ELSIF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(create_org.org_id)) THEN
        RAISE EXCEPTION 'organization "%" already exists', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'Organization IDs are compared without regard to case.';
    END IF;
    BEGIN
        INSERT INTO orgs.organizations (org_id, name, billing_email, created_by)
        VALUES (create_org.org_id, v_name, v_billing, v_actor)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'organization "%" already exists', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END;
    INSERT INTO orgs.members (org_id, user_id, role) VALUES (v_id, v_actor, 'admin');
    PERFORM orgs_internal.write_audit(v_id, 200, 'org_created', create_org.org_id,
                             jsonb_build_object('name', v_name, 'billing_email', v_billing));
    PERFORM orgs_internal.write_audit(v_id, 100, 'member_added', orgs.current_user_handle(),
                             jsonb_build_object('role', 'admin', 'via', 'create_org'));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_org(text, text, text) IS
    'Create an organization; the acting user becomes its admin.';

CREATE OR REPLACE FUNCTION orgs.update_org(org_id text, name text DEFAULT NULL, billing_email text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_name text := CASE WHEN name IS NULL THEN NULL ELSE orgs_internal.clean_name('organization', name) END;
    v_billing text := CASE WHEN billing_email IS NULL OR btrim(billing_email) = '' THEN NULL
                           ELSE orgs_internal.clean_email(billing_email) END;
    v_org bigint := orgs_internal.visible_org(org_id);
    v_old record;
    v_details jsonb := '{}';
BEGIN
    PERFORM orgs_internal.require_org_permission(v_org, 'org.edit', 'edit organization %s');
    SELECT o.name, o.billing_email::text AS billing_email INTO v_old
      FROM orgs.organizations o WHERE o.id = v_org FOR NO KEY UPDATE;
    IF v_name IS NOT NULL AND v_name IS DISTINCT FROM v_old.name THEN
        v_details := v_details || jsonb_build_object('name', jsonb_build_object('old', v_old.name, 'new', v_name));
    ELSE
        v_name := v_old.name;
    END IF;
    IF billing_email IS NOT NULL AND v_billing IS DISTINCT FROM v_old.billing_email THEN
        v_details := v_details || jsonb_build_object('billing_email',
                                     jsonb_build_object('old', v_old.billing_email, 'new', v_billing));
    ELSE
        v_billing := v_old.billing_email;
    END IF;
    IF v_details = '{}' THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.organizations o SET name = v_name, billing_email = v_billing WHERE o.id = v_org;
    PERFORM orgs_internal.write_audit(v_org, 201, 'org_updated', orgs_internal.org_name(v_org), v_details);
END;
$$;
COMMENT ON FUNCTION orgs.update_org(text, text, text) IS
    'Change an organization''s name or billing e-mail (org.edit); NULL leaves a field as it is, an empty billing_email clears it.';

CREATE OR REPLACE FUNCTION orgs.delete_org(org_id text, drop_apps boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_name text;
    v_apps text[];
BEGIN
    -- Lock the org's row first, and in the mode the deletion needs: an app
    -- created or transferred in concurrently is either counted below
    -- (create_app and transfer_app lock the org's row too, so this waits
    -- for them) or finds the org gone (42704).  Taking the membership lock
    -- (a weaker row lock) first and this one after it would be a lock
    -- upgrade: a transaction that holds a key-share lock on the row (any
    -- insert that references the org) and then asks for the membership lock
    -- (an invitation, a role change) would deadlock with this one.
    SELECT o.org_id INTO v_name FROM orgs.organizations o WHERE o.id = v_org FOR UPDATE;
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'org.delete', 'delete organization %s');
    SELECT coalesce(array_agg(a.app_id::text ORDER BY a.app_key), '{}') INTO v_apps
      FROM orgs.apps a WHERE a.org_id = v_org;
    IF cardinality(v_apps) > 0 AND NOT coalesce(drop_apps, false) THEN
        RAISE EXCEPTION 'cannot delete organization "%" because it owns apps', v_name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Organization "%s" owns %s app(s): %s.', v_name, cardinality(v_apps),
                                  array_to_string(v_apps, ', ')),
                  HINT = 'Delete or transfer the apps first, or call orgs.delete_org with drop_apps => true.';
    END IF;
    PERFORM orgs_internal.write_audit(v_org, 202, 'org_deleted', v_name,
                             jsonb_build_object('dropped_apps', to_jsonb(v_apps)));
    DELETE FROM orgs.apps a WHERE a.org_id = v_org;
    DELETE FROM orgs.organizations o WHERE o.id = v_org;
END;
$$;
COMMENT ON FUNCTION orgs.delete_org(text, boolean) IS
    'Delete an organization (org.delete) with its members, teams and invitations; refuses while it owns apps unless drop_apps.';

--------------------------------------------------------------------------
-- Members
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs.leave_org(org_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_role orgs.org_role;
BEGIN
    PERFORM orgs_internal.lock_org_membership(v_org);
    DELETE FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_actor
    RETURNING m.role INTO v_role;
    IF NOT FOUND THEN
        -- visible but not a member: cannot happen with today's matrix
        RAISE EXCEPTION 'organization "%" does not exist', org_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs_internal.write_audit(v_org, 102, 'member_removed', orgs.current_user_handle(),
                             jsonb_build_object('role', v_role, 'left', true));
END;
$$;
COMMENT ON FUNCTION orgs.leave_org(text) IS
    'The acting user leaves the organization (and its teams); the last admin cannot leave.';

-- The membership row of a user in an org, locked; 42704 unless a member
-- (one error whether or not a user of that handle exists elsewhere).
CREATE OR REPLACE FUNCTION orgs_internal.locked_member(org bigint, handle text)
RETURNS orgs.members
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_user bigint := CASE WHEN handle IS NULL THEN NULL ELSE orgs.lookup_user(handle) END;
    v_member orgs.members;
BEGIN
    SELECT m.* INTO v_member FROM orgs.members m
     WHERE m.org_id = org AND m.user_id = v_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of organization "%"', handle, orgs_internal.org_name(org)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_member;
END;
$$;
COMMENT ON FUNCTION orgs_internal.locked_member(bigint, text) IS
    'Internal: a user''s membership row in an org, locked for update; undefined_object when there is none.';
REVOKE ALL ON FUNCTION orgs_internal.locked_member(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION orgs.set_member_role(org_id text, user_handle text, role orgs.org_role)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint;
    v_member orgs.members;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := orgs_internal.visible_org(org_id);
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'change member roles in organization %s');
    v_member := orgs_internal.locked_member(v_org, user_handle);
    -- no escalation: neither the old role nor the new may exceed the actor's
    PERFORM orgs_internal.require_role_within_actor(v_org, v_member.role, 'change the role of a member with');
    PERFORM orgs_internal.require_role_within_actor(v_org, role, 'grant');
    IF v_member.role = role THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    PERFORM orgs_internal.lock_role(v_org, role, 'grant');
    UPDATE orgs.members m SET role = set_member_role.role
     WHERE m.org_id = v_org AND m.user_id = v_member.user_id;
    PERFORM orgs_internal.write_audit(v_org, 101, 'member_role_changed',
                             (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_member.user_id),
                             jsonb_build_object('old_role', v_member.role, 'new_role', role));
END;
$$;
COMMENT ON FUNCTION orgs.set_member_role(text, text, orgs.org_role) IS
    'Change a member''s role (members.manage); nobody can give a role holding permissions they lack, and the last admin stays.';

CREATE OR REPLACE FUNCTION orgs.remove_member(org_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs_internal.require_actor();
    v_org bigint := orgs_internal.visible_org(org_id);
    v_member orgs.members;
    v_teams text[];
BEGIN
    PERFORM orgs_internal.lock_org_membership(v_org);
    PERFORM orgs_internal.require_org_permission(v_org, 'members.manage', 'remove members in organization %s');
    v_member := orgs_internal.locked_member(v_org, user_handle);
    PERFORM orgs_internal.require_role_within_actor(v_org, v_member.role, 'remove a member with');
    SELECT coalesce(array_agg(t.team_id::text ORDER BY t.team_key), '{}') INTO v_teams
      FROM orgs.team_members tm JOIN orgs.teams t ON t.id = tm.team_id
     WHERE tm.org_id = v_org AND tm.user_id = v_member.user_id;
    -- the team memberships go with the membership (foreign key cascade)
    DELETE FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_member.user_id;
    PERFORM orgs_internal.write_audit(v_org, 102, 'member_removed',
                             (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_member.user_id),
                             jsonb_build_object('role', v_member.role, 'teams', to_jsonb(v_teams)));
END;
$$;
COMMENT ON FUNCTION orgs.remove_member(text, text) IS
    'Remove a member from the organization and from all of its teams (members.manage); the last admin stays.';
