--------------------------------------------------------------------------
-- Invariants enforced by the database (docs/permissions.md, "Invariants")
--------------------------------------------------------------------------

-- The shared namespace of handles and org IDs.
CREATE OR REPLACE FUNCTION orgs_internal.trg_owner_names()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text;
    v_kind text := CASE TG_TABLE_NAME WHEN 'users' THEN 'handle' ELSE 'organization ID' END;
    v_name text;
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        v_key := NEW.handle_key; v_name := NEW.handle;
    ELSE
        v_key := NEW.org_key; v_name := NEW.org_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF TG_TABLE_NAME = 'users' THEN
            IF OLD.handle_key = v_key THEN
                RETURN NULL;
            END IF;
            DELETE FROM orgs.owner_names WHERE user_id = OLD.id;
        ELSE
            IF OLD.org_key = v_key THEN
                RETURN NULL;
            END IF;
            DELETE FROM orgs.owner_names WHERE org_id = OLD.id;
        END IF;
    END IF;
    BEGIN
        IF TG_TABLE_NAME = 'users' THEN
            INSERT INTO orgs.owner_names (name_key, user_id) VALUES (v_key, NEW.id);
        ELSE
            INSERT INTO orgs.owner_names (name_key, org_id) VALUES (v_key, NEW.id);
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
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_org text;
BEGIN
    IF OLD.role <> 'admin' OR (TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.org_id = OLD.org_id) THEN
        RETURN NULL;
    END IF;
    UPDATE orgs.organizations o SET admin_epoch = o.admin_epoch + 1
     WHERE o.id = OLD.org_id
     RETURNING o.org_id INTO v_org;
    IF NOT FOUND THEN
        RETURN NULL;            -- the organization itself is being deleted
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs.members m
                    WHERE m.org_id = OLD.org_id AND m.role = 'admin') THEN
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
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.org_id IS NOT NULL AND NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        DELETE FROM orgs.team_apps t WHERE t.app_id = OLD.id;
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
LANGUAGE plpgsql
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
                                   OR (NEW.role <> OLD.role
                                       AND EXISTS (SELECT 1 FROM orgs.roles r
                                                    WHERE r.role_scope = OLD.role_scope AND r.name = OLD.role))
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
