-- pg_orgs upgrade script from 0.1.0 to 0.2.0.  Assembled by the Makefile:
-- the pieces extension/upgrade/0.1.0--0.2.0/NN_*.sql numbered below 50
-- (this one first: the schema changes of the upgrade), then the code
-- pieces extension/NN_*.sql shared with the install script, then the
-- upgrade pieces numbered 50 and up.  The test t/003_upgrade.pl checks
-- that an upgraded database has exactly the catalog of a fresh 0.2.0
-- install and keeps its data.
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

--------------------------------------------------------------------------
-- E-mail addresses: stored as the application verified them, compared
-- after lowering ASCII letters only (email_key), refused unless in Unicode
-- normalization form NFC.  0.1.0 stored them lower-cased with lower(),
-- which folds some non-ASCII letters (the Kelvin sign to "k").
--------------------------------------------------------------------------
DO $$
DECLARE
    v_bad text;
BEGIN
    IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
        SELECT pg_catalog.string_agg(x.email, ', ') INTO v_bad
          FROM (SELECT email::text FROM orgs.users UNION SELECT email::text FROM orgs.invitations
                UNION SELECT email::text FROM orgs.notifications
                UNION SELECT billing_email::text FROM orgs.organizations) x
         WHERE NOT (x.email IS NFC NORMALIZED);
    END IF;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'e-mail addresses not in Unicode normalization form NFC: %', v_bad
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Correct them (UPDATE ... SET email = normalize(email, NFC)), then update again.';
    END IF;
END;
$$;
ALTER DOMAIN orgs.email DROP CONSTRAINT email_syntax;
ALTER DOMAIN orgs.email ADD CONSTRAINT email_syntax
    CHECK (pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 254
           AND VALUE OPERATOR(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+$'
           AND CASE WHEN pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8'
                    THEN VALUE IS NFC NORMALIZED
                    ELSE VALUE OPERATOR(pg_catalog.~) '^[ -~]+$' END);
COMMENT ON DOMAIN orgs.email IS
    'An e-mail address as the application verified it: no white space, at most 254 characters, in Unicode normalization form NFC (ASCII in a database that is not UTF8). Two addresses are the same when equal after lowering ASCII letters (the email_key columns).';
ALTER TABLE orgs.users ADD COLUMN email_key text COLLATE "C" NOT NULL
    GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED;
DROP INDEX orgs.users_email_key;
CREATE UNIQUE INDEX users_email_key ON orgs.users (email_key);
COMMENT ON COLUMN orgs.users.email IS 'Verified e-mail address, as given (trimmed).';
COMMENT ON COLUMN orgs.users.email_key IS 'The e-mail address with ASCII letters lowered: the key of uniqueness and comparison (orgs.email_key).';
ALTER TABLE orgs.invitations ADD COLUMN email_key text COLLATE "C" NOT NULL
    GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED;
DROP INDEX orgs.invitations_one_pending;
CREATE UNIQUE INDEX invitations_one_pending ON orgs.invitations (org_id, email_key)
    WHERE state OPERATOR(pg_catalog.=) 'pending';
DROP INDEX orgs.invitations_email_idx;
CREATE INDEX invitations_email_idx ON orgs.invitations (email_key);
COMMENT ON COLUMN orgs.invitations.email_key IS 'The e-mail address with ASCII letters lowered (orgs.email_key): compared with the invitee''s.';
ALTER TABLE orgs.notifications ADD COLUMN email_key text COLLATE "C"
    GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED;
DROP INDEX orgs.notifications_email_idx;
CREATE INDEX notifications_email_idx ON orgs.notifications (email_key);
COMMENT ON COLUMN orgs.notifications.email_key IS 'The e-mail address with ASCII letters lowered (orgs.email_key).';

--------------------------------------------------------------------------
-- Functions of 0.1.0 that 0.2.0 no longer has
--------------------------------------------------------------------------
DROP FUNCTION orgs.existing_user(text);
DROP FUNCTION orgs.notify_event(jsonb);

COMMENT ON TABLE orgs.audit_log IS 'Append-only log of organization events (codes in docs/reference.md).';
