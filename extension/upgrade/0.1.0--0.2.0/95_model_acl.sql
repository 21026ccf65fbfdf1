--------------------------------------------------------------------------
-- Privileges that roles other than the owner held on the views and
-- functions 10_model.sql remade (beyond what the code pieces grant).
--------------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM orgs.upgrade_0_2_acl LOOP
        EXECUTE pg_catalog.format('GRANT %s ON %s %s TO %s', r.privilege_type, r.kind, r.ident, r.grantee);
    END LOOP;
END;
$$;
DROP TABLE orgs.upgrade_0_2_acl;
