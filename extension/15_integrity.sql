--------------------------------------------------------------------------
-- Invariants enforced by the database (docs/permissions.md, "Invariants")
--------------------------------------------------------------------------

-- The triggers of the extension's tables read and write the other tables
-- of the extension through their local copy: on a Citus cluster the tables
-- are reference tables (orgs.citus_setup), a write runs on the copy of the
-- shard that every node holds, and the trigger fires there, on every node;
-- it must change that node's copy of the other table (Citus refuses a
-- distributed write from a shard, and every node does the same work), so
-- it names the copy orgs_internal.local_table() gives.  On a single node
-- that is the table itself.  TG_TABLE_NAME is then the shard's name:
-- orgs_internal.base_table() gives the table's.  These trigger functions
-- are SECURITY DEFINER: they call the internal helpers (no privilege for
-- PUBLIC) and keep the invariants whoever writes (the writer's own
-- privileges and row-level security still decide the write itself).
CREATE OR REPLACE FUNCTION orgs_internal.local_table(tbl regclass)
RETURNS regclass
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_local_table';
COMMENT ON FUNCTION orgs_internal.local_table(regclass) IS
    'Internal: the relation that holds the rows of a table on this node: the table, or this node''s copy of its shard when it is a Citus reference table.';

CREATE OR REPLACE FUNCTION orgs_internal.base_table(tbl regclass)
RETURNS name
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_base_table';
COMMENT ON FUNCTION orgs_internal.base_table(regclass) IS
    'Internal: the name of the table of pg_orgs that a relation is, or whose Citus shard it is.';

CREATE OR REPLACE FUNCTION orgs_internal.role_exists(role_scope bigint, role text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s r WHERE r.role_scope = $1 AND r.name = $2)',
                   orgs_internal.local_table('orgs.roles'))
        INTO v_found USING role_exists.role_scope, role_exists.role;
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION orgs_internal.role_exists(bigint, text) IS
    'Internal: is there a role of this name in this scope (this node''s copy of orgs.roles, for the triggers)?';

-- The shared namespace of handles and org IDs.
CREATE OR REPLACE FUNCTION orgs_internal.trg_owner_names()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_users boolean := orgs_internal.base_table(TG_RELID) = 'users';
    v_names regclass := orgs_internal.local_table('orgs.owner_names');
    v_key text;
    v_kind text := CASE WHEN v_users THEN 'handle' ELSE 'organization ID' END;
    v_name text;
BEGIN
    IF v_users THEN
        v_key := NEW.handle_key; v_name := NEW.handle;
    ELSE
        v_key := NEW.org_key; v_name := NEW.org_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF v_users THEN
            IF OLD.handle_key = v_key THEN
                RETURN NULL;
            END IF;
            EXECUTE format('DELETE FROM %s WHERE user_id = $1', v_names) USING OLD.id;
        ELSE
            IF OLD.org_key = v_key THEN
                RETURN NULL;
            END IF;
            EXECUTE format('DELETE FROM %s WHERE org_id = $1', v_names) USING OLD.id;
        END IF;
    END IF;
    BEGIN
        IF v_users THEN
            EXECUTE format('INSERT INTO %s (name_key, user_id) VALUES ($1, $2)', v_names) USING v_key, NEW.id;
        ELSE
            EXECUTE format('INSERT INTO %s (name_key, org_id) VALUES ($1, $2)', v_names) USING v_key, NEW.id;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION '% "%" is already taken', v_kind, v_name
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'owner_names_pkey',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_owner_names() IS
    'Keeps orgs.owner_names, the shared case-insensitive namespace of handles and org IDs.';

CREATE OR REPLACE TRIGGER owner_names_sync AFTER INSERT OR UPDATE OF handle ON orgs.users
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_owner_names();
COMMENT ON TRIGGER owner_names_sync ON orgs.users IS 'Claims the handle in the shared namespace orgs.owner_names.';
CREATE OR REPLACE TRIGGER owner_names_sync AFTER INSERT OR UPDATE OF org_id ON orgs.organizations
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_owner_names();
COMMENT ON TRIGGER owner_names_sync ON orgs.organizations IS 'Claims the org ID in the shared namespace orgs.owner_names.';

-- Invariant 1: every org has at least one admin.  The org row is updated
-- (admin_epoch) before the check, so two concurrent demotions serialize on
-- it: under READ COMMITTED the second waits and then sees the first; under
-- REPEATABLE READ it fails with a serialization error.
CREATE OR REPLACE FUNCTION orgs_internal.trg_last_admin()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_org text;
    v_admins boolean;
BEGIN
    IF OLD.role <> 'admin' OR (TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.org_id = OLD.org_id) THEN
        RETURN NULL;
    END IF;
    EXECUTE format('UPDATE %s o SET admin_epoch = o.admin_epoch + 1 WHERE o.id = $1 RETURNING o.org_id',
                   orgs_internal.local_table('orgs.organizations'))
        INTO v_org USING OLD.org_id;
    IF v_org IS NULL THEN
        RETURN NULL;            -- the organization itself is being deleted
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s m WHERE m.org_id = $1 AND m.role = ''admin'')',
                   orgs_internal.local_table('orgs.members'))
        INTO v_admins USING OLD.org_id;
    IF NOT v_admins THEN
        RAISE EXCEPTION 'organization "%" must keep at least one admin', v_org
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Make another member an admin first.';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_last_admin() IS
    'Refuses a change that would leave an organization without an admin.';

CREATE OR REPLACE TRIGGER last_admin AFTER UPDATE OR DELETE ON orgs.members
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_last_admin();
COMMENT ON TRIGGER last_admin ON orgs.members IS 'Invariant 1: every organization keeps at least one admin.';

-- Invariant 3: an app that leaves an org leaves its teams.
CREATE OR REPLACE FUNCTION orgs_internal.trg_app_owner_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.org_id IS NOT NULL AND NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        EXECUTE format('DELETE FROM %s t WHERE t.app_id = $1', orgs_internal.local_table('orgs.team_apps'))
            USING OLD.id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_app_owner_change() IS
    'Removes an app''s team grants when it leaves its organization.';

CREATE OR REPLACE TRIGGER app_owner_change BEFORE UPDATE OF org_id ON orgs.apps
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_app_owner_change();
COMMENT ON TRIGGER app_owner_change ON orgs.apps IS 'Invariant 3: an app leaving its organization loses its team grants.';

-- Invariant 4: an invitation leaves pending at most once, and its identity
-- (org, e-mail, token) never changes.
CREATE OR REPLACE FUNCTION orgs_internal.trg_invitation_state()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.org_id <> OLD.org_id OR NEW.email <> OLD.email
       OR NEW.token_hash <> OLD.token_hash OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'cannot change the organization, e-mail address, token or creation time of invitation %', OLD.id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- (a decided invitation follows a rename of its role: the old name is gone)
    IF OLD.state <> 'pending' AND (NEW.state <> OLD.state
                                   OR (NEW.role <> OLD.role AND orgs_internal.role_exists(OLD.role_scope, OLD.role))
                                   OR NEW.expires_at <> OLD.expires_at
                                   OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
                                   -- (a deleted user's key is set NULL: the
                                   -- foreign keys' ON DELETE SET NULL)
                                   OR (NEW.decided_by IS DISTINCT FROM OLD.decided_by AND NEW.decided_by IS NOT NULL)
                                   OR (NEW.invited_by IS DISTINCT FROM OLD.invited_by AND NEW.invited_by IS NOT NULL)) THEN
        RAISE EXCEPTION 'invitation % is already %', OLD.id, OLD.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An invitation leaves pending at most once.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_invitation_state() IS
    'The invitation state machine: pending to accepted, declined, rescinded or expired, once.';

CREATE OR REPLACE TRIGGER invitation_state BEFORE UPDATE ON orgs.invitations
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_invitation_state();
COMMENT ON TRIGGER invitation_state ON orgs.invitations IS 'Invariant 4: an invitation leaves pending at most once.';

-- The audit log is append-only for everyone but the extension's owner.
CREATE OR REPLACE FUNCTION orgs_internal.trg_audit_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension e
                    WHERE e.extname = 'pg_orgs'
                      AND pg_has_role(current_user, e.extowner, 'USAGE')) THEN
        RAISE EXCEPTION 'the audit log is append-only'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only the owner of extension pg_orgs can change or delete audit entries.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION orgs_internal.trg_audit_append_only() IS
    'Refuses UPDATE, DELETE and TRUNCATE of orgs.audit_log except by the extension owner.';

CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON orgs.audit_log
    FOR EACH ROW EXECUTE FUNCTION orgs_internal.trg_audit_append_only();
COMMENT ON TRIGGER audit_append_only ON orgs.audit_log IS 'The audit log is append-only.';
CREATE OR REPLACE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON orgs.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION orgs_internal.trg_audit_append_only();
COMMENT ON TRIGGER audit_append_only_truncate ON orgs.audit_log IS 'The audit log cannot be truncated.';
