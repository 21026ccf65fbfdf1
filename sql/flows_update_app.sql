--
-- update_app: each argument under its own permission (new_app_id:
-- app.edit_id, description: app.edit_description, notes: app.edit_notes,
-- is_public: app.visibility), all or nothing, for every role and team
-- level; the app's key stays, so rows keyed to it stay with it.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE FUNCTION pg_temp.try(cmd text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    EXECUTE cmd;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    RAISE NOTICE 'SQLSTATE %', st;
    RAISE;
END;
$$;

CREATE FUNCTION pg_temp.join(org text, admin text, handle text, role text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tok text;
BEGIN
    PERFORM orgs.act_as(admin, false);
    SELECT i.token INTO tok FROM orgs.invite(org, handle || '@example.com', role) i;
    PERFORM orgs.act_as(handle, false);
    PERFORM orgs.accept_invitation(tok);
    PERFORM orgs.act_as(NULL, false);
END;
$$;

-- the outcome of one update as who: ok, or the SQLSTATE (rolled back)
CREATE FUNCTION pg_temp.outcome(who text, app text, arg text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM orgs.act_as(who, false);
    BEGIN
        EXECUTE format('SELECT orgs.update_app(%L, %s)', app,
                       CASE arg WHEN 'new_app_id' THEN 'new_app_id => ''renamed'''
                                WHEN 'description' THEN 'description => ''new description'''
                                WHEN 'notes' THEN 'notes => ''new notes'''
                                ELSE 'is_public => true' END);
        RAISE EXCEPTION USING ERRCODE = 'P0002';   -- undo it: only the outcome is kept
    EXCEPTION WHEN OTHERS THEN
        RETURN CASE SQLSTATE WHEN 'P0002' THEN 'ok' ELSE SQLSTATE END;
    END;
END;
$$;

CREATE ROLE regress_fu_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_fu_app;
SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['fu_admin', 'fu_oc', 'fu_ou', 'fu_ou_team', 'fu_tc', 'fu_tc_team', 'fu_tc_lead',
                    'fu_fin', 'fu_infra', 'fu_out']) h;
SET ROLE regress_fu_app;
SELECT orgs.act_as('fu_admin', false);
SELECT orgs.create_org('fu_org', 'Update Inc') IS NOT NULL AS org;
SELECT orgs.create_app('fu_org', 'vision', 'Visual search') IS NOT NULL AS app;
SELECT orgs.act_as('fu_out', false);
SELECT orgs.create_app('fu_out', 'mine', 'personal') IS NOT NULL AS personal_app;
SELECT pg_temp.join('fu_org', 'fu_admin', h, r)
  FROM (VALUES ('fu_oc', 'org_contributor'), ('fu_ou', 'org_user'), ('fu_ou_team', 'org_user'),
               ('fu_tc', 'team_contributor'), ('fu_tc_team', 'team_contributor'),
               ('fu_tc_lead', 'team_contributor'), ('fu_fin', 'financial_manager'),
               ('fu_infra', 'infrastructure_manager')) AS v(h, r);
SELECT orgs.act_as('fu_admin', false);
SELECT orgs.create_team('fu_org', 'all', 'Everything', 'full_access') IS NOT NULL AS team;
SELECT orgs.create_team('fu_org', 'leads', 'Leads', 'labeler_lead') IS NOT NULL AS team;
SELECT orgs.add_team_member('fu_org', 'all', h) FROM unnest(ARRAY['fu_ou_team', 'fu_tc_team']) h;
SELECT orgs.add_team_member('fu_org', 'leads', 'fu_tc_lead');
SELECT orgs.add_team_app('fu_org', 'all', 'fu_org/vision');
SELECT orgs.add_team_app('fu_org', 'leads', 'fu_org/vision');

-- every role and team level, every argument (each attempt is undone)
SELECT who, pg_temp.outcome(who, 'fu_org/vision', 'new_app_id') AS app_id,
       pg_temp.outcome(who, 'fu_org/vision', 'description') AS description,
       pg_temp.outcome(who, 'fu_org/vision', 'notes') AS notes,
       pg_temp.outcome(who, 'fu_org/vision', 'is_public') AS is_public
  FROM unnest(ARRAY['fu_admin', 'fu_oc', 'fu_ou', 'fu_ou_team', 'fu_tc', 'fu_tc_team', 'fu_tc_lead',
                    'fu_fin', 'fu_infra', 'fu_out']) WITH ORDINALITY AS w(who, n) ORDER BY n;
-- a personal app: its owner holds everything, nobody else sees it
SELECT who, pg_temp.outcome(who, 'fu_out/mine', 'new_app_id') AS app_id,
       pg_temp.outcome(who, 'fu_out/mine', 'is_public') AS is_public
  FROM unnest(ARRAY['fu_out', 'fu_admin']) AS who;

-- the errors in full
SELECT orgs.act_as('fu_tc_team', false);
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', description => 'x', is_public => true)$$);
SELECT orgs.act_as('fu_out', false);
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', notes => 'x')$$);
SELECT orgs.act_as('fu_admin', false);
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', new_app_id => 'bad id')$$);
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', description => repeat('x', 2001))$$);
SELECT pg_temp.try($$SELECT orgs.update_app('vision', notes => 'x')$$);
SELECT orgs.create_app('fu_org', 'speech') IS NOT NULL AS app;
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', new_app_id => 'SPEECH')$$);
-- all or nothing: the description is not changed when the new ID is refused
SELECT orgs.act_as('fu_ou_team', false);
SELECT pg_temp.try($$SELECT orgs.update_app('fu_org/vision', description => 'half', new_app_id => 'half')$$);
SELECT description FROM orgs.apps WHERE app_id = 'vision';

-- a real update: the key stays, the name changes, one audit row
SELECT orgs.act_as('fu_admin', false);
SELECT id AS vision_key FROM orgs.apps WHERE app_id = 'vision' \gset
SELECT orgs.update_app('fu_org/vision', new_app_id => 'Vision2', description => 'Search by image',
                       notes => 'Ask Ann first.', is_public => true);
SELECT id = :vision_key AS same_key, app_id, description, notes, is_public
  FROM orgs.apps WHERE id = :vision_key;
SELECT orgs.lookup_app('fu_org/vision2') = :vision_key AS found_by_new_name,
       orgs.lookup_app('fu_org/vision') IS NULL AS old_name_gone;
SELECT orgs.has_app_permission('fu_org/Vision2', 'models.view') AS still_admin;
-- the same values again: nothing changes, nothing is logged
SELECT orgs.update_app('fu_org/vision2', description => 'Search by image');
SELECT event_code, event, target, details -> 'changes' AS changes
  FROM orgs.audit_log WHERE event_code = 214 ORDER BY id;

-- clean up
SELECT orgs.delete_org('fu_org', drop_apps => true);
SELECT orgs.act_as('fu_out', false);
SELECT orgs.delete_app('fu_out/mine');
SELECT orgs.act_as(NULL, false);
RESET ROLE;
DELETE FROM orgs.audit_log WHERE actor_handle LIKE 'fu\_%';
DELETE FROM orgs.users WHERE handle LIKE 'fu\_%';
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_fu_app;
DROP ROLE regress_fu_app;
