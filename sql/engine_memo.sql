-- The answer memo of the permission engine: a scan over many apps fills a
-- dense memo (more than 512 answers), which must follow every change.
SET client_min_messages = warning;
SELECT orgs.register_user('mm_owner', 'mm_owner@example.com') IS NOT NULL AS owner;
SELECT orgs.register_user('mm_tc', 'mm_tc@example.com') IS NOT NULL AS tc;
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.create_org('mm_org', 'Memo org') IS NOT NULL AS org;
SELECT count(*) AS apps FROM generate_series(1, 1200) i,
       LATERAL orgs.create_app('mm_org', 'app' || i) a;
SELECT orgs.create_team('mm_org', 'trainers', 'Trainers', 'model_trainer') IS NOT NULL AS team;
-- the team contributor joins through the API (as a member with the role)
SELECT * FROM orgs.invite('mm_org', 'mm_tc@example.com', 'team_contributor') \gset
SELECT orgs.act_as('mm_tc', false);
SELECT orgs.accept_invitation(:'token') IS NOT NULL AS accepted;
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.add_team_member('mm_org', 'trainers', 'mm_tc');
-- every odd app goes to the team
SELECT count(*) AS granted
  FROM orgs.apps a, LATERAL orgs.add_team_app('mm_org', 'trainers', 'mm_org/' || a.app_id)
 WHERE a.org_id = orgs.lookup_org('mm_org') AND a.app_key ~ '[13579]$';

CREATE TEMP TABLE mm_rows AS
SELECT a.id AS app_id, g AS copy
  FROM orgs.apps a, generate_series(1, 3) g
 WHERE a.org_id = orgs.lookup_org('mm_org');

-- the acting-user form on every row (memo across rows and statements)
SELECT orgs.act_as('mm_tc', false);
SELECT count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.train')) AS train_1,
       count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'app.view')) AS view_1,
       count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'app.delete')) AS delete_1
  FROM mm_rows;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.train')) AS train_2
  FROM mm_rows;
-- the set-based form, computed once and then remembered
SELECT cardinality(orgs.apps_with_permission('models.train')) AS set_1,
       cardinality(orgs.apps_with_permission('models.train')) AS set_1_again;
-- a variable permission list in a loop must not reuse another list's answers
DO $$
DECLARE
    p text;
    n bigint;
BEGIN
    FOREACH p IN ARRAY ARRAY['models.train', 'tasks.work', 'models.view, tasks.work', 'app.delete'] LOOP
        SELECT count(*) INTO n FROM mm_rows r WHERE orgs.has_app_permission(r.app_id, p);
        RAISE WARNING '% -> %', p, n;
    END LOOP;
END;
$$;

-- a change is seen by the next statement, memo or not
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.set_team_app_permission('mm_org', 'trainers', 'mm_org/app1', 'labeler_worker');
SELECT orgs.remove_team_app('mm_org', 'trainers', 'mm_org/app3');
SELECT orgs.act_as('mm_tc', false);
SELECT count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.train')) AS train_3,
       count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'tasks.work')) AS work_3
  FROM mm_rows;
SELECT cardinality(orgs.apps_with_permission('models.train')) AS set_3;
-- inside a transaction, and undone by its rollback
BEGIN;
SELECT orgs.act_as('mm_owner');
SELECT orgs.set_member_role('mm_org', 'mm_tc', 'org_user');
SELECT orgs.act_as('mm_tc');
SELECT count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.view')) AS view_as_org_user
  FROM mm_rows;
SELECT cardinality(orgs.apps_with_permission('models.view')) AS set_as_org_user;
ROLLBACK;
SELECT count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.view')) AS view_after_rollback
  FROM mm_rows;
SELECT cardinality(orgs.apps_with_permission('models.view')) AS set_after_rollback;
-- the explicit-user form agrees with the acting-user form (which answers
-- NULL, not false, for an app the acting user cannot see at all)
SELECT count(*) FILTER (WHERE orgs.has_app_permission(orgs.current_user_id(), app_id, 'models.view')
                        IS DISTINCT FROM coalesce(orgs.has_app_permission(app_id, 'models.view'), false))
         AS disagreements,
       count(*) FILTER (WHERE orgs.has_app_permission(app_id, 'models.view') IS NULL) AS hidden
  FROM mm_rows;

SELECT orgs.act_as('mm_owner', false);
SELECT orgs.delete_org('mm_org', drop_apps => true);
SELECT orgs.act_as(NULL, false);
DELETE FROM orgs.users WHERE handle LIKE 'mm\_%';
