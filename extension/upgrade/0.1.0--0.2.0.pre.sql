-- pg_orgs upgrade script from 0.1.0 to 0.2.0.  Assembled by the Makefile:
-- this piece (the schema changes of the upgrade), then the code pieces
-- extension/NN_*.sql shared with the install script, then
-- extension/upgrade/0.1.0--0.2.0.post.sql.  The test t/003_upgrade.pl
-- checks that an upgraded database has exactly the catalog of a fresh
-- 0.2.0 install and keeps its data.
\echo Use "ALTER EXTENSION pg_orgs UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- pg_orgs 0.1.0 used a schema "orgs" that existed before CREATE EXTENSION:
-- its owner could have changed what the extension's functions call.  Only
-- a schema owned by the extension's owner is updated.
--------------------------------------------------------------------------
DO $$
DECLARE
    v_owner text;
BEGIN
    SELECT n.nspowner::pg_catalog.regrole::text INTO v_owner
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_extension e
     WHERE n.nspname OPERATOR(pg_catalog.=) 'orgs'
       AND e.extname OPERATOR(pg_catalog.=) 'pg_orgs'
       AND n.nspowner OPERATOR(pg_catalog.<>) e.extowner;
    IF FOUND THEN
        RAISE EXCEPTION 'schema "orgs" is owned by role %, not by the owner of extension pg_orgs', v_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner can change what the extension''s functions call.',
                  HINT = 'Check the schema for objects that do not belong to the extension, then make the extension''s owner its owner (ALTER SCHEMA orgs OWNER TO ...) and update again.';
    END IF;
END;
$$;

--------------------------------------------------------------------------
-- The model: app.transfer on an org's app is an admin's alone (it leaves
-- org_contributor's baseline and ceiling).
--------------------------------------------------------------------------
DELETE FROM orgs.role_app_baseline
 WHERE role OPERATOR(pg_catalog.=) 'org_contributor' AND permission OPERATOR(pg_catalog.=) 'app.transfer';
DELETE FROM orgs.role_app_ceiling
 WHERE role OPERATOR(pg_catalog.=) 'org_contributor' AND permission OPERATOR(pg_catalog.=) 'app.transfer';

--------------------------------------------------------------------------
-- The engine: cache_stats reports more; targeted invalidation replaces the
-- statement triggers that dropped every cache on any change.
--------------------------------------------------------------------------
DROP FUNCTION orgs.cache_stats();
