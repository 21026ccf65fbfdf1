--
-- acting: orgs.act_as and the acting user across commit, abort, savepoints
-- and session scope; the link_db_role fallback; and that nothing but
-- act_as (no SET, set_config, ALTER ROLE ... SET or connection option) can
-- change who is acting.
--
\set SHOW_CONTEXT never
-- (to come back to the superuser after reconnecting as another role)
SELECT format('user=%s options=', current_user) AS superuser_conn \gset
SELECT orgs.register_user(h, h || '@example.com') > 0 AS registered
  FROM unnest(ARRAY['ac_alice', 'ac_bob', 'ac_carol', 'ac_dave']) AS h;
-- who: the acting (or linked) user's handle, and whether the key agrees
-- (a temporary copy of the keys, readable by the test roles)
CREATE TEMP TABLE ac_keys AS SELECT u.id, u.handle::text AS handle FROM orgs.users u WHERE u.handle LIKE 'ac\_%';
GRANT SELECT ON ac_keys TO PUBLIC;
CREATE FUNCTION pg_temp.who() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(orgs.current_user_handle(), '<none>')
        || CASE WHEN orgs.current_user_id() IS NOT DISTINCT FROM
                     (SELECT k.id FROM pg_temp.ac_keys k WHERE k.handle = orgs.current_user_handle())
                THEN '' ELSE ' (id mismatch!)' END
$$;

-- nobody is acting, and the superuser running the test is linked to nobody
SELECT pg_temp.who();

--------------------------------------------------------------------------
-- Session scope: is_local => false survives commits
--------------------------------------------------------------------------
SELECT orgs.act_as('ac_alice', false);
SELECT pg_temp.who();
BEGIN;
SELECT pg_temp.who();
COMMIT;
SELECT pg_temp.who();
-- handles are matched without regard to case; the stored one is reported
SELECT orgs.act_as('AC_Alice', false);
SELECT pg_temp.who();

--------------------------------------------------------------------------
-- is_local => true: cleared at commit and at abort
--------------------------------------------------------------------------
BEGIN;
SELECT orgs.act_as('ac_bob');          -- is_local defaults to true
SELECT pg_temp.who();
SELECT pg_temp.who();                  -- still, in the next statement
COMMIT;
SELECT pg_temp.who();                  -- back to the session value
BEGIN;
SELECT orgs.act_as('ac_bob', true);
SELECT pg_temp.who();
ROLLBACK;
SELECT pg_temp.who();
-- abort by error
BEGIN;
SELECT orgs.act_as('ac_bob', true);
SELECT 1 / 0;
ROLLBACK;
SELECT pg_temp.who();
-- is_local NULL counts as true
BEGIN;
SELECT orgs.act_as('ac_bob', NULL);
COMMIT;
SELECT pg_temp.who();
-- a local value with no session value: nobody after commit
SELECT orgs.act_as(NULL, false);
BEGIN;
SELECT orgs.act_as('ac_bob', true);
SELECT pg_temp.who();
COMMIT;
SELECT pg_temp.who();
SELECT orgs.act_as('ac_alice', false);

--------------------------------------------------------------------------
-- A rollback restores the previous value, also of a session-level act_as
--------------------------------------------------------------------------
BEGIN;
SELECT orgs.act_as('ac_bob', false);
SELECT pg_temp.who();
ROLLBACK;
SELECT pg_temp.who();
BEGIN;
SELECT orgs.act_as('ac_bob', false);
SELECT 1 / 0;
ROLLBACK;
SELECT pg_temp.who();
-- committed, it stays
BEGIN;
SELECT orgs.act_as('ac_bob', false);
COMMIT;
SELECT pg_temp.who();
SELECT orgs.act_as('ac_alice', false);
-- session then local in one transaction (like SET then SET LOCAL): the
-- local value until commit, then the new session value
BEGIN;
SELECT orgs.act_as('ac_carol', false);
SELECT orgs.act_as('ac_bob', true);
SELECT pg_temp.who();
COMMIT;
SELECT pg_temp.who();
SELECT orgs.act_as('ac_alice', false);
-- local then session (like SET LOCAL then SET): the session value wins
BEGIN;
SELECT orgs.act_as('ac_bob', true);
SELECT orgs.act_as('ac_carol', false);
SELECT pg_temp.who();
COMMIT;
SELECT pg_temp.who();
SELECT orgs.act_as('ac_alice', false);
-- ... and both are undone together by a rollback
BEGIN;
SELECT orgs.act_as('ac_bob', true);
SELECT orgs.act_as('ac_carol', false);
ROLLBACK;
SELECT pg_temp.who();

--------------------------------------------------------------------------
-- Savepoints
--------------------------------------------------------------------------
BEGIN;
SELECT orgs.act_as('ac_bob');
SAVEPOINT s1;
SELECT orgs.act_as('ac_carol');
SELECT pg_temp.who();
ROLLBACK TO SAVEPOINT s1;
SELECT pg_temp.who();                  -- ac_bob again
SELECT orgs.act_as('ac_carol');
SELECT pg_temp.who();
RELEASE SAVEPOINT s1;
SELECT pg_temp.who();                  -- RELEASE keeps ac_carol
COMMIT;
SELECT pg_temp.who();                  -- local value gone: ac_alice
-- nested savepoints
BEGIN;
SAVEPOINT a;
SELECT orgs.act_as('ac_bob');
SAVEPOINT b;
SELECT orgs.act_as('ac_carol');
SAVEPOINT c;
SELECT orgs.act_as(NULL);
SELECT pg_temp.who();                  -- NULL clears: nobody
SAVEPOINT d;
SELECT orgs.act_as('ac_dave');
RELEASE SAVEPOINT d;
SELECT pg_temp.who();                  -- ac_dave
ROLLBACK TO SAVEPOINT c;
SELECT pg_temp.who();                  -- ac_carol
ROLLBACK TO SAVEPOINT b;
SELECT pg_temp.who();                  -- ac_bob
RELEASE SAVEPOINT a;
SELECT pg_temp.who();                  -- ac_bob
ROLLBACK;
SELECT pg_temp.who();                  -- ac_alice
-- a failed statement inside a savepoint, then ROLLBACK TO
BEGIN;
SAVEPOINT s;
SELECT orgs.act_as('ac_bob', false);
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.who();                  -- ac_alice
SELECT orgs.act_as('ac_carol', false);
COMMIT;
SELECT pg_temp.who();                  -- ac_carol, the session value
-- session value set in a released savepoint survives commit
BEGIN;
SAVEPOINT s;
SELECT orgs.act_as('ac_alice', false);
RELEASE SAVEPOINT s;
COMMIT;
SELECT pg_temp.who();                  -- ac_alice
-- a local value set in a released savepoint lasts until the end of the
-- transaction, over a session value set before it
BEGIN;
SELECT orgs.act_as('ac_carol', false);
SAVEPOINT s;
SELECT orgs.act_as('ac_bob', true);
RELEASE SAVEPOINT s;
SELECT pg_temp.who();                  -- ac_bob
COMMIT;
SELECT pg_temp.who();                  -- ac_carol
-- the same savepoint name twice, and a rollback to the inner one
BEGIN;
SELECT orgs.act_as('ac_bob');
SAVEPOINT s;
SELECT orgs.act_as('ac_dave');
SAVEPOINT s;
SELECT orgs.act_as('ac_alice');
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.who();                  -- ac_dave
RELEASE SAVEPOINT s;
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.who();                  -- ac_bob
COMMIT;
SELECT pg_temp.who();                  -- ac_carol
-- inside a function's exception block (an internal subtransaction)
DO $$
BEGIN
    PERFORM orgs.act_as('ac_dave', false);
    PERFORM 1 / 0;
EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'acting after the failed block: %', orgs.current_user_handle();
END;
$$;
SELECT pg_temp.who();                  -- ac_carol
SELECT orgs.act_as('ac_alice', false);

--------------------------------------------------------------------------
-- Errors and warnings
--------------------------------------------------------------------------
SELECT orgs.act_as('ac_nobody', false); \echo :SQLSTATE
SELECT orgs.act_as('', false); \echo :SQLSTATE
SELECT pg_temp.who();                  -- unchanged by the failed calls
BEGIN;
SELECT orgs.act_as('ac_nobody'); \echo :SQLSTATE
ROLLBACK;
SELECT pg_temp.who();
-- is_local outside a transaction block: a warning, and it lasts for the
-- one statement only
SELECT orgs.act_as('ac_bob', true), pg_temp.who();
SELECT pg_temp.who();
SELECT orgs.act_as('ac_bob');
SELECT pg_temp.who();
-- NULL clears the session value
SELECT orgs.act_as(NULL, false);
SELECT pg_temp.who();
-- a deleted user can no longer be acted as, and stops acting
SELECT orgs.register_user('ac_gone', 'ac_gone@example.com') > 0 AS registered;
SELECT orgs.act_as('ac_gone', false);
SELECT orgs.current_user_handle(), orgs.current_user_id() > 0 AS has_id;
DELETE FROM orgs.users WHERE handle = 'ac_gone';
SELECT orgs.current_user_handle() IS NULL AS no_handle, orgs.current_user_id() IS NULL AS no_id;
SELECT orgs.act_as('ac_gone', false); \echo :SQLSTATE
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- The link_db_role fallback
--------------------------------------------------------------------------
CREATE ROLE regress_ac_carol;
CREATE ROLE regress_ac_plain LOGIN;
CREATE ROLE regress_ac_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_ac_app;
SELECT orgs.link_db_role('ac_carol', 'regress_ac_carol');
SELECT orgs.link_db_role('ac_nobody', 'regress_ac_plain'); \echo :SQLSTATE
SELECT u.handle, u.db_role FROM orgs.users u WHERE u.db_role IS NOT NULL AND u.handle LIKE 'ac\_%';
SET ROLE regress_ac_carol;
SELECT current_user, pg_temp.who();      -- the linked user
RESET ROLE;
SELECT pg_temp.who();                     -- not the superuser
SET ROLE regress_ac_plain;
SELECT current_user, pg_temp.who();      -- no link: nobody
RESET ROLE;
-- the acting user wins over the link
SELECT orgs.act_as('ac_bob', false);
SET ROLE regress_ac_carol;
SELECT pg_temp.who();
RESET ROLE;
BEGIN;
SELECT orgs.act_as(NULL);                 -- a local "nobody" falls back to the link
SET LOCAL ROLE regress_ac_carol;
SELECT pg_temp.who();
COMMIT;
SELECT pg_temp.who();
SELECT orgs.act_as(NULL, false);
-- inside a SECURITY DEFINER function the caller's link still counts, not
-- the function owner's
SELECT orgs.link_db_role('ac_dave', 'regress_ac_app');
CREATE FUNCTION public.regress_ac_who_definer() RETURNS text
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT current_user || ' acting as ' || coalesce(orgs.current_user_handle(), '<none>') $$;
ALTER FUNCTION public.regress_ac_who_definer() OWNER TO regress_ac_app;
SET ROLE regress_ac_carol;
SELECT public.regress_ac_who_definer();
RESET ROLE;
SET ROLE regress_ac_app;
SELECT public.regress_ac_who_definer();
RESET ROLE;
SELECT public.regress_ac_who_definer();
DROP FUNCTION public.regress_ac_who_definer();
-- relinking moves the link; NULL unlinks
SELECT orgs.link_db_role('ac_alice', 'regress_ac_carol');
SET ROLE regress_ac_carol;
SELECT pg_temp.who();
RESET ROLE;
SELECT orgs.link_db_role('ac_alice', NULL);
SET ROLE regress_ac_carol;
SELECT pg_temp.who();
RESET ROLE;
SELECT u.handle, u.db_role FROM orgs.users u WHERE u.db_role IS NOT NULL AND u.handle LIKE 'ac\_%';

--------------------------------------------------------------------------
-- Ordinary roles cannot call act_as, register_user or link_db_role
--------------------------------------------------------------------------
SET ROLE regress_ac_plain;
SELECT orgs.act_as('ac_alice', false); \echo :SQLSTATE
SELECT orgs.act_as('ac_alice'); \echo :SQLSTATE
SELECT orgs.act_as(NULL, false); \echo :SQLSTATE
SELECT orgs.register_user('ac_eve', 'ac_eve@example.com'); \echo :SQLSTATE
SELECT orgs.link_db_role('ac_alice', 'regress_ac_plain'); \echo :SQLSTATE
SELECT pg_temp.who();
RESET ROLE;
SELECT count(*) AS eve_registered FROM orgs.users WHERE handle = 'ac_eve';
-- the application's role, once granted EXECUTE on act_as, can
SET ROLE regress_ac_app;
SELECT orgs.act_as('ac_bob', false);
SELECT pg_temp.who();
SELECT orgs.register_user('ac_eve', 'ac_eve@example.com'); \echo :SQLSTATE
RESET ROLE;
SELECT pg_temp.who();                     -- session state, not per role
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- No SET path changes the acting user
--------------------------------------------------------------------------
SET ROLE regress_ac_plain;
SET orgs.acting_user = 'ac_alice';
SET orgs."current_user" = 'ac_alice';
SET orgs.user_id = 1;
SET pg_orgs.acting_user = 'ac_alice'; \echo :SQLSTATE
SELECT set_config('orgs.acting_user', 'ac_alice', false);
SELECT set_config('pg_orgs.acting_user', 'ac_alice', false); \echo :SQLSTATE
SELECT set_config('pg_orgs.act_as', 'ac_alice', true); \echo :SQLSTATE
-- the extension's only setting: superusers only
SET pg_orgs.cache_max_kb = 128; \echo :SQLSTATE
SELECT pg_temp.who();
RESET ROLE;
-- a role's own defaults and connection options do not either
SET ROLE regress_ac_plain;
ALTER ROLE regress_ac_plain SET orgs.acting_user = 'ac_alice';
RESET ROLE;
ALTER ROLE regress_ac_plain SET orgs.acting_user = 'ac_alice';
ALTER ROLE regress_ac_plain SET pg_orgs.acting_user = 'ac_alice'; \echo :SQLSTATE
\c -reuse-previous=on "user=regress_ac_plain options='-c orgs.acting_user=ac_alice -c orgs.user=ac_alice'"
SELECT current_user, current_setting('orgs.acting_user') AS setting,
       coalesce(orgs.current_user_handle(), '<none>') AS acting;
\c -reuse-previous=on "user=regress_ac_plain options='-c pg_orgs.acting_user=ac_alice'"
SELECT current_user, coalesce(orgs.current_user_handle(), '<none>') AS acting;
\c -reuse-previous=on :superuser_conn
\set SHOW_CONTEXT never
SELECT rolsuper, coalesce(orgs.current_user_handle(), '<none>') AS acting
  FROM pg_roles WHERE rolname = current_user;
ALTER ROLE regress_ac_plain RESET ALL;

--------------------------------------------------------------------------
-- DISCARD ALL and RESET ALL (sent by session poolers between clients)
-- clear it
--------------------------------------------------------------------------
SELECT orgs.act_as('ac_alice', false);
SELECT orgs.current_user_handle() AS before_discard;
DISCARD ALL;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS after_discard;
DISCARD PLANS;
SELECT orgs.act_as('ac_alice', false);
DISCARD PLANS;
SELECT orgs.current_user_handle() AS after_discard_plans;
SELECT orgs.act_as(NULL, false);
-- ... and so does RESET ALL, like a SET: undone by a rollback
SELECT orgs.act_as('ac_alice', false);
RESET ALL;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS after_reset_all;
SELECT orgs.act_as('ac_alice', false);
BEGIN;
RESET ALL;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS reset_in_transaction;
ROLLBACK;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS after_rollback;
BEGIN;
SELECT orgs.act_as('ac_bob');
RESET ALL;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS local_reset_too;
COMMIT;
SELECT coalesce(orgs.current_user_handle(), '<none>') AS after_commit;
-- RESET of one setting does not
SELECT orgs.act_as('ac_alice', false);
RESET work_mem;
SELECT orgs.current_user_handle() AS after_reset_one;
SELECT orgs.act_as(NULL, false);

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
SELECT orgs.link_db_role('ac_dave', NULL);
DROP ROLE regress_ac_carol;
DROP ROLE regress_ac_plain;
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_ac_app;
DROP ROLE regress_ac_app;
SELECT count(*) AS still_linked FROM orgs.users WHERE db_role IS NOT NULL AND handle LIKE 'ac\_%';
DELETE FROM orgs.users WHERE handle LIKE 'ac\_%';
