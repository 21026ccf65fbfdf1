-- pg_orgs_example upgrade from 0.1.0 to 0.2.0.
\echo Use "ALTER EXTENSION pg_orgs_example UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 used a schema "example" that existed before CREATE EXTENSION: only
-- a schema owned by the extension's owner is updated.
DO $$
DECLARE
    v_owner text;
BEGIN
    SELECT n.nspowner::pg_catalog.regrole::text INTO v_owner
      FROM pg_catalog.pg_namespace n, pg_catalog.pg_extension e
     WHERE n.nspname OPERATOR(pg_catalog.=) 'example'
       AND e.extname OPERATOR(pg_catalog.=) 'pg_orgs_example'
       AND n.nspowner OPERATOR(pg_catalog.<>) e.extowner;
    IF FOUND THEN
        RAISE EXCEPTION 'schema "example" is owned by role %, not by the owner of extension pg_orgs_example', v_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Its owner can drop the example''s tables or change what its policies call.',
                  HINT = 'Check the schema for objects that do not belong to the extension, then make the extension''s owner its owner (ALTER SCHEMA example OWNER TO ...) and update again.';
    END IF;
END;
$$;
