--------------------------------------------------------------------------
-- The internal functions move to schema orgs_internal (no privilege for
-- PUBLIC); those of 0.1.0 move with their triggers and dependencies, the
-- code pieces then replace them.
--------------------------------------------------------------------------
CREATE SCHEMA orgs_internal;
COMMENT ON SCHEMA orgs_internal IS
    'pg_orgs''s internal functions: not an interface; no privilege for PUBLIC.';
REVOKE ALL ON SCHEMA orgs_internal FROM PUBLIC;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'orgs'::pg_catalog.regnamespace
                AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                    'generate_token', 'hash_token', 'normalize_email', 'clean_email', 'check_identifier',
                    'trg_owner_names', 'trg_last_admin', 'trg_app_owner_change', 'trg_invitation_state',
                    'trg_audit_append_only', 'trg_notification_notify', 'invalidate_cache',
                    'invalidate_row', 'explain_internal', 'visible_app', 'single_app_permission',
                    'require_actor', 'visible_org', 'org_name', 'require_org_permission', 'clean_name',
                    'write_audit', 'lock_org_membership', 'locked_member', 'decide_invitation',
                    'invitation_by_token', 'invitation_by_id', 'visible_team', 'app_name',
                    'first_permission_not_held', 'resolve_app', 'caller_is_superuser'])
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET SCHEMA orgs_internal', f);
    END LOOP;
END;
$$;
