--
-- security: what each kind of role may learn through the checks and the
-- name look-ups.  Tenants sec_acme (sec_ann admin, sec_bob org user,
-- sec_ivy infrastructure manager) and sec_globex (sec_zoe admin, sec_yan
-- team contributor in a team that holds sec_globex/secret).
--
--   regress_sec_app     trusted: may call orgs.act_as, so it learns all
--   regress_sec_login   linked to sec_ann (orgs.link_db_role): learns what
--                       sec_ann may read through the views, nothing else
--   regress_sec_nobody  neither: learns nothing
--
-- To anyone but a trusted role, a user, app or org it may not see is
-- answered exactly as one that does not exist, in every form (pg_orgs
-- 0.1.0 answered the explicit-user forms for anyone, and told a hidden app
-- from a missing one).
--
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE FUNCTION pg_temp.err(cmd text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE cmd;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END;
$$;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

SELECT count(orgs.register_user(h, h || '@example.com')) AS registered
  FROM unnest(ARRAY['sec_ann', 'sec_bob', 'sec_ivy', 'sec_zoe', 'sec_yan']) AS h;
DO $$
BEGIN
    PERFORM orgs.act_as('sec_ann', false);
    PERFORM orgs.create_org('sec_acme', 'Acme');
    PERFORM orgs.create_app('sec_acme', 'vision');
    PERFORM orgs.create_app('sec_ann', 'notes');
    PERFORM orgs.act_as('sec_zoe', false);
    PERFORM orgs.create_org('sec_globex', 'Globex');
    PERFORM orgs.create_app('sec_globex', 'secret');
    PERFORM orgs.create_app('sec_zoe', 'diary');
    PERFORM orgs.create_team('sec_globex', 'insiders', 'Insiders', 'model_trainer');
    PERFORM orgs.act_as(NULL, false);
END;
$$;
-- members join directly (the flows are tested elsewhere)
INSERT INTO orgs.members (org_id, user_id, role)
SELECT o.id, u.id, v.r::orgs.org_role
  FROM (VALUES ('sec_acme', 'sec_bob', 'org_user'), ('sec_acme', 'sec_ivy', 'infrastructure_manager'),
               ('sec_globex', 'sec_yan', 'team_contributor')) AS v(o, h, r)
  JOIN orgs.organizations o ON o.org_id = v.o JOIN orgs.users u ON u.handle = v.h;
DO $$
BEGIN
    PERFORM orgs.act_as('sec_zoe', false);
    PERFORM orgs.add_team_member('sec_globex', 'insiders', 'sec_yan');
    PERFORM orgs.add_team_app('sec_globex', 'insiders', 'sec_globex/secret');
    PERFORM orgs.act_as(NULL, false);
END;
$$;
SELECT id AS zoe FROM orgs.users WHERE handle = 'sec_zoe' \gset
SELECT id AS bob FROM orgs.users WHERE handle = 'sec_bob' \gset
SELECT id AS ann FROM orgs.users WHERE handle = 'sec_ann' \gset
SELECT id AS secret FROM orgs.apps WHERE app_id = 'secret' \gset
SELECT id AS vision FROM orgs.apps WHERE app_id = 'vision' \gset
SELECT id AS globex FROM orgs.organizations WHERE org_id = 'sec_globex' \gset
SELECT id AS acme FROM orgs.organizations WHERE org_id = 'sec_acme' \gset
SELECT max(id) + 1000 AS nosuch_user FROM orgs.users \gset
SELECT max(id) + 1000 AS nosuch_app FROM orgs.apps \gset
SELECT max(id) + 1000 AS nosuch_org FROM orgs.organizations \gset

CREATE ROLE regress_sec_app;
GRANT EXECUTE ON FUNCTION orgs.act_as(text, boolean) TO regress_sec_app;
CREATE ROLE regress_sec_login;
SELECT orgs.link_db_role('sec_ann', 'regress_sec_login');
CREATE ROLE regress_sec_nobody;

--------------------------------------------------------------------------
-- A login linked to sec_ann (admin of sec_acme)
--------------------------------------------------------------------------
SET ROLE regress_sec_login;
SELECT orgs.current_user_handle();
-- its own tenant: every member, with members.view
SELECT orgs.has_app_permission('sec_bob', 'sec_acme/vision', 'models.view') AS bob_views,
       orgs.has_app_permission(:bob, :vision, 'models.edit') AS bob_edits,
       orgs.has_org_permission('sec_bob', 'sec_acme', 'members.view') AS bob_lists,
       orgs.app_permissions('sec_ivy', 'sec_acme/vision') AS ivy_holds;
-- another tenant's user, app or org: exactly as one that does not exist
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_zoe', 'sec_globex/secret', 'app.view')$$) AS zoe_secret
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_nosuch', 'sec_globex/secret', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_zoe', 'sec_acme/vision', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_ann', 'sec_globex/secret', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_ann', 'sec_globex/nosuch', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_ann', 'sec_zoe/diary', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_org_permission('sec_yan', 'sec_globex', 'members.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_org_permission('sec_ann', 'sec_globex', 'members.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_org_permission('sec_ann', 'sec_nosuch', 'members.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.app_permissions('sec_yan', 'sec_globex/secret')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.app_permissions('sec_nosuch', 'sec_globex/secret')$$);
-- by key: NULL, as for keys that match nothing
SELECT orgs.has_app_permission(:zoe, :secret, 'app.view') AS zoe_secret,
       orgs.has_app_permission(:nosuch_user, :secret, 'app.view') AS nosuch_user,
       orgs.has_app_permission(:ann, :secret, 'app.view') AS ann_secret,
       orgs.has_app_permission(:ann, :nosuch_app, 'app.view') AS ann_nosuch,
       orgs.has_org_permission(:zoe, :globex, 'org.view') AS zoe_globex,
       orgs.has_org_permission(:ann, :globex, 'org.view') AS ann_globex,
       orgs.has_org_permission(:ann, :nosuch_org, 'org.view') AS ann_nosuch_org;
-- the acting-user forms: a hidden app or org is a missing one
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_globex/secret', 'app.view')$$) AS hidden
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_globex/nosuch', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_zoe/diary', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_org_permission('sec_globex', 'org.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_org_permission('sec_nosuch', 'org.view')$$);
SELECT orgs.has_app_permission(:secret, 'app.view') AS hidden_app,
       orgs.has_app_permission(:nosuch_app, 'app.view') AS no_app,
       orgs.has_org_permission(:globex, 'org.view') AS hidden_org,
       orgs.has_org_permission(:nosuch_org, 'org.view') AS no_org;
-- the look-ups: keys of what it may see only
SELECT orgs.lookup_user('sec_bob') = :bob AS bob, orgs.lookup_user('sec_zoe') AS zoe,
       orgs.lookup_app('sec_acme/vision') = :vision AS vision, orgs.lookup_app('sec_globex/secret') AS secret,
       orgs.lookup_app('sec_ann/notes') IS NOT NULL AS own_notes, orgs.lookup_app('sec_zoe/diary') AS diary,
       orgs.lookup_org('sec_acme') = :acme AS acme, orgs.lookup_org('sec_globex') AS globex;
-- explaining and reviewing: only users and apps it may see
SELECT pg_temp.err($$SELECT * FROM orgs.explain_app_permission('sec_zoe', 'sec_acme/vision', 'app.view')$$) AS explain
UNION ALL
SELECT pg_temp.err($$SELECT * FROM orgs.explain_app_permission('sec_nosuch', 'sec_acme/vision', 'app.view')$$)
UNION ALL
SELECT pg_temp.err($$SELECT * FROM orgs.who_can('sec_globex/secret', 'app.view')$$);
RESET ROLE;

--------------------------------------------------------------------------
-- ... linked to sec_ivy instead (infrastructure manager: no members.view)
--------------------------------------------------------------------------
SELECT orgs.link_db_role('sec_ivy', 'regress_sec_login');
SET ROLE regress_sec_login;
SELECT orgs.has_app_permission('sec_ivy', 'sec_acme/vision', 'deployments.create') AS itself;
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_bob', 'sec_acme/vision', 'app.view')$$) AS bob
UNION ALL
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_nosuch', 'sec_acme/vision', 'app.view')$$);
SELECT orgs.lookup_user('sec_bob') AS bob, orgs.lookup_user('sec_ivy') IS NOT NULL AS itself;
RESET ROLE;

--------------------------------------------------------------------------
-- A role linked to nobody, not trusted: nothing
--------------------------------------------------------------------------
SET ROLE regress_sec_nobody;
SELECT orgs.current_user_id() AS nobody;
SELECT orgs.has_app_permission(:zoe, :secret, 'app.view') AS explicit_key,
       orgs.has_app_permission(:secret, 'app.view') AS acting_key,
       orgs.has_app_permission('sec_globex/secret', 'app.view') AS acting_name,
       orgs.has_org_permission(:globex, 'org.view') AS acting_org,
       orgs.lookup_user('sec_zoe') AS lookup_user, orgs.lookup_app('sec_globex/secret') AS lookup_app,
       orgs.lookup_org('sec_globex') AS lookup_org;
SELECT pg_temp.err($$SELECT orgs.has_app_permission('sec_zoe', 'sec_globex/secret', 'app.view')$$) AS explicit_name
UNION ALL
SELECT pg_temp.err($$SELECT orgs.app_permissions('sec_zoe', 'sec_globex/secret')$$);
RESET ROLE;

--------------------------------------------------------------------------
-- The trusted role learns all (it could act as anyone)
--------------------------------------------------------------------------
SET ROLE regress_sec_app;
SELECT orgs.current_user_id() AS nobody_acts,
       orgs.has_app_permission('sec_zoe', 'sec_globex/secret', 'app.delete') AS zoe_deletes,
       orgs.has_app_permission(:zoe, :secret, 'app.delete') AS by_key,
       orgs.has_app_permission('sec_yan', 'sec_globex/secret', 'models.train') AS yan_trains,
       orgs.has_app_permission('sec_ann', 'sec_globex/secret', 'app.view') AS ann_outside,
       orgs.has_org_permission('sec_yan', 'sec_globex', 'members.view') AS yan_lists,
       orgs.lookup_user('sec_zoe') = :zoe AS lookup_user,
       orgs.lookup_app('sec_globex/secret') = :secret AS lookup_app;
-- ... and acting as sec_ann, still everything
SELECT orgs.act_as('sec_ann', false);
SELECT orgs.has_app_permission('sec_zoe', 'sec_globex/secret', 'app.delete') AS zoe_deletes;
SELECT orgs.act_as(NULL, false);
-- ... until EXECUTE on act_as is revoked
RESET ROLE;
REVOKE EXECUTE ON FUNCTION orgs.act_as(text, boolean) FROM regress_sec_app;
SET ROLE regress_sec_app;
SELECT orgs.has_app_permission(:zoe, :secret, 'app.delete') AS after_revoke;
RESET ROLE;

--------------------------------------------------------------------------
-- Clean up
--------------------------------------------------------------------------
SELECT orgs.link_db_role('sec_ivy', NULL);
DROP ROLE regress_sec_app, regress_sec_login, regress_sec_nobody;
DELETE FROM orgs.apps WHERE org_id IN (:acme, :globex) OR app_id IN ('notes', 'diary');
DELETE FROM orgs.organizations WHERE id IN (:acme, :globex);
DELETE FROM orgs.users WHERE handle LIKE 'sec\_%';
