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

-- The fast path: the calls of one call site after the first read its memo
-- directly while nothing changes.  Anything that changes an answer in the
-- middle of a statement is seen from the next row on, as without it
-- (a function scan returns its rows in order; the target list is
-- evaluated left to right).
SELECT id AS mm_app5 FROM orgs.apps WHERE org_id = orgs.lookup_org('mm_org') AND app_key = 'app5' \gset
SELECT id AS mm_app2 FROM orgs.apps WHERE org_id = orgs.lookup_org('mm_org') AND app_key = 'app2' \gset
-- the acting user, changed by a call in the row before the check (mm_tc
-- may not delete app5, its owner may) ...
BEGIN;
SELECT orgs.act_as('mm_tc');
SELECT i, CASE WHEN i = 3 THEN orgs.act_as('mm_owner', true) END AS switched,
       orgs.has_app_permission(:mm_app5, 'app.delete') AS del
  FROM generate_series(1, 4) i;
ROLLBACK;
-- ... a change of the statement's own (a function called on row 2 gives
-- app2 to the team and goes on to a next command; row 3 on sees it) ...
CREATE FUNCTION pg_temp.mm_grant(i integer) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF i = 2 THEN
        INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
        SELECT t.org_id, t.id, a.id, 'model_trainer'
          FROM orgs.teams t JOIN orgs.apps a ON a.org_id = t.org_id
         WHERE t.org_id = orgs.lookup_org('mm_org') AND t.team_id = 'trainers' AND a.app_key = 'app2';
        PERFORM 1;
    END IF;
    RETURN true;
END;
$$;
BEGIN;
SELECT orgs.act_as('mm_tc');
SELECT i, orgs.has_app_permission(:mm_app2, 'models.train') AS train, pg_temp.mm_grant(i) AS ran
  FROM generate_series(1, 4) i;
ROLLBACK;
-- ... and the role of a linked user, changed on row 3
CREATE ROLE mm_role_tc NOLOGIN;
CREATE ROLE mm_role_owner NOLOGIN;
SELECT orgs.act_as(NULL, false);
SELECT orgs.link_db_role('mm_tc', 'mm_role_tc'), orgs.link_db_role('mm_owner', 'mm_role_owner');
BEGIN;
SET LOCAL ROLE mm_role_tc;
SELECT i, CASE WHEN i = 3 THEN set_config('role', 'mm_role_owner', true) END AS role_set,
       orgs.has_app_permission(:mm_app5, 'app.delete') AS del
  FROM generate_series(1, 4) i;
ROLLBACK;
SELECT orgs.link_db_role('mm_tc', NULL), orgs.link_db_role('mm_owner', NULL);
DROP ROLE mm_role_tc, mm_role_owner;

-- A change of a team's grants forgets only the answers of the apps it
-- moves: the others stay in the memo (cache_stats().misses counts the
-- answers computed).  130 apps whose keys lie 2^42 apart: a memo of fewer
-- than 512 answers is a hash table, where such keys share their first
-- slot, so forgetting one shifts the long run of slots after it.
SELECT orgs.act_as('mm_owner', false);
SELECT last_value AS mm_seq FROM orgs.apps_id_seq \gset
ALTER SEQUENCE orgs.apps_id_seq INCREMENT BY 4398046511104;
SELECT count(*) AS spread_apps FROM generate_series(1, 130) i,
       LATERAL orgs.create_app('mm_org', 'sp' || i) a;
ALTER SEQUENCE orgs.apps_id_seq INCREMENT BY 1;
SELECT setval('orgs.apps_id_seq', :mm_seq) IS NOT NULL AS seq_back;
CREATE TEMP TABLE mm_some AS
SELECT a.id AS app_id, a.app_id AS name, row_number() OVER (ORDER BY a.id) AS n
  FROM orgs.apps a
 WHERE a.org_id = orgs.lookup_org('mm_org') AND a.app_id LIKE 'sp%';
SELECT count(orgs.add_team_app('mm_org', 'trainers', 'mm_org/' || name)) AS spread_granted
  FROM mm_some WHERE n <= 120;
-- the apps on which the team's level gives models.train, read by the owner
CREATE TEMP TABLE mm_train (app_id bigint);
CREATE FUNCTION pg_temp.mm_truth() RETURNS bigint LANGUAGE sql AS $$
    DELETE FROM mm_train;
    INSERT INTO mm_train
    SELECT ta.app_id FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
     WHERE t.team_id = 'trainers' AND ta.permission IN ('model_trainer', 'full_access');
    SELECT count(*) FROM mm_train t JOIN mm_some s USING (app_id)
$$;
CREATE FUNCTION pg_temp.mm_misses() RETURNS bigint LANGUAGE sql
    AS $$ SELECT misses FROM orgs.cache_stats() $$;
CREATE FUNCTION pg_temp.mm_disagree() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM mm_some s
     WHERE coalesce(orgs.has_app_permission(s.app_id, 'models.train, app.delete'), false)
           IS DISTINCT FROM EXISTS (SELECT FROM mm_train t WHERE t.app_id = s.app_id)
$$;
SELECT pg_temp.mm_truth() AS trains_1;
SELECT orgs.act_as('mm_tc', false);
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_disagree() AS disagree_1, pg_temp.mm_misses() - :m0 AS misses_1;
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_disagree() AS disagree_2, pg_temp.mm_misses() - :m0 AS misses_2;
-- 40 apps move: 30 granted ones change level, 5 go, 5 come
SELECT orgs.act_as('mm_owner', false);
SELECT count(orgs.set_team_app_permission('mm_org', 'trainers', 'mm_org/' || name, 'labeler_worker'))
         AS lowered
  FROM mm_some WHERE n % 4 = 1 AND n <= 120;
SELECT count(orgs.remove_team_app('mm_org', 'trainers', 'mm_org/' || name)) AS removed
  FROM mm_some WHERE n IN (2, 6, 10, 14, 18);
SELECT count(orgs.add_team_app('mm_org', 'trainers', 'mm_org/' || name)) AS added
  FROM mm_some WHERE n BETWEEN 121 AND 125;
SELECT pg_temp.mm_truth() AS trains_3;
SELECT orgs.act_as('mm_tc', false);
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_disagree() AS disagree_3, pg_temp.mm_misses() - :m0 AS misses_3;
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_disagree() AS disagree_4, pg_temp.mm_misses() - :m0 AS misses_4;
-- the set-based answer follows too
SELECT cardinality(orgs.apps_with_permission('models.train, app.delete')) AS set_after_move;

-- A change of a membership forgets only the answers of that org's apps:
-- mm_tc also joins a second org, as org_user (app.view on its 3 apps).
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.create_org('mm_org2', 'Second memo org') IS NOT NULL AS org2;
SELECT count(*) AS apps2 FROM generate_series(1, 3) i, LATERAL orgs.create_app('mm_org2', 'o2_' || i) a;
SELECT * FROM orgs.invite('mm_org2', 'mm_tc@example.com', 'org_user') \gset
SELECT orgs.act_as('mm_tc', false);
SELECT orgs.accept_invitation(:'token') IS NOT NULL AS accepted2;
INSERT INTO mm_some (app_id, name, n)
SELECT a.id, a.app_id, 1000 + row_number() OVER (ORDER BY a.id)
  FROM orgs.apps a WHERE a.org_id = orgs.lookup_org('mm_org2');
CREATE FUNCTION pg_temp.mm_views() RETURNS text LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE s.n < 1000) || ' + ' || count(*) FILTER (WHERE s.n > 1000)
      FROM mm_some s WHERE orgs.has_app_permission(s.app_id, 'app.view')
$$;
SELECT pg_temp.mm_views() AS views_1;
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_views() AS views_2, pg_temp.mm_misses() - :m0 AS misses_2;
-- a role in the second org: its 3 answers go, the 130 of mm_org stay
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.set_member_role('mm_org2', 'mm_tc', 'team_contributor');
SELECT orgs.act_as('mm_tc', false);
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_views() AS views_3, pg_temp.mm_misses() - :m0 AS misses_3;
-- a role in mm_org: its 130 answers go, the second org's stay
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.set_member_role('mm_org', 'mm_tc', 'org_user');
SELECT orgs.act_as('mm_tc', false);
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_views() AS views_4, pg_temp.mm_misses() - :m0 AS misses_4;
-- leaving the second org: its answers go
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.remove_member('mm_org2', 'mm_tc');
SELECT orgs.act_as('mm_tc', false);
SELECT pg_temp.mm_misses() AS m0 \gset
SELECT pg_temp.mm_views() AS views_5, pg_temp.mm_misses() - :m0 AS misses_5;
SELECT orgs.act_as('mm_owner', false);
SELECT orgs.delete_org('mm_org2', drop_apps => true);

SELECT orgs.act_as('mm_owner', false);
SELECT orgs.delete_org('mm_org', drop_apps => true);
SELECT orgs.act_as(NULL, false);
DELETE FROM orgs.users WHERE handle LIKE 'mm\_%';
