-- The runner of test/citus/citus.pl: every case of sql/rls_conformance.sql
-- (its tables rls_cases and rls_actors, made by the preparation that the
-- test extracts from that file) as every actor, each (actor, case) in a
-- transaction of its own: act as the actor, run the statement in a
-- subtransaction that is always rolled back, record the outcome, commit.
-- The outcome symbols are those of sql/rls_conformance.sql.
CREATE TABLE rls_results (actor text, tbl text, op text, got text, sqlstate text, message text);
GRANT SELECT ON rls_cases, rls_actors TO regress_rls_app;
GRANT INSERT ON rls_results TO regress_rls_app;

CREATE PROCEDURE public.rls_run_each()
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    c record;
    n bigint;
    v_state text;
    v_msg text;
BEGIN
    FOR a IN SELECT * FROM rls_actors ORDER BY ord LOOP
        FOR c IN SELECT * FROM rls_cases ORDER BY ord LOOP
            PERFORM orgs.act_as(a.handle);
            BEGIN
                IF c.stmt ~ '^SELECT' THEN
                    EXECUTE c.stmt INTO n;
                ELSE
                    EXECUTE c.stmt;
                    GET DIAGNOSTICS n = ROW_COUNT;
                END IF;
                RAISE EXCEPTION USING ERRCODE = 'RLS00', MESSAGE = n::text;
            EXCEPTION
                WHEN SQLSTATE 'RLS00' THEN
                    v_state := NULL;
                    v_msg := SQLERRM;
                WHEN OTHERS THEN
                    v_state := SQLSTATE;
                    v_msg := SQLERRM;
            END;
            PERFORM orgs.act_as(NULL);
            INSERT INTO rls_results VALUES (
                a.code, c.tbl, c.op,
                CASE WHEN v_state IS NULL THEN v_msg
                     WHEN v_state = '42501' THEN 'd'
                     WHEN v_state = '42704' THEN 'n'
                     WHEN v_state = '55000' THEN 'v'
                     ELSE 'E' || v_state END,
                v_state, v_msg);
            COMMIT;
        END LOOP;
    END LOOP;
END;
$$;
