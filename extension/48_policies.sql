--------------------------------------------------------------------------
-- The read side: row-level security on the extension's data tables, and
-- views for people
--------------------------------------------------------------------------
--
-- Writes: ordinary roles hold no INSERT, UPDATE, DELETE or TRUNCATE
-- privilege on any table (25_security.sql) and no write policy exists, so a
-- direct write is refused with 42501; every change goes through the
-- functions of 40_orgs.sql to 46_apps.sql, which check the same engine.
--
-- Reads: SELECT is granted to PUBLIC and the policies below decide, always
-- for the acting user (orgs.current_user_id()); with no acting user a
-- policy shows nothing.  Each policy is a per-row call of the engine
-- (orgs.has_org_permission(org_id, ...), orgs.has_app_permission(id, ...),
-- orgs.user_visible(id)): a memo probe per row, usable by the indexes on
-- those columns through the checks' planner support, and without
-- sub-queries (so the tables can be Citus reference tables).
--
--   table          a row is visible to
--   -------------  ---------------------------------------------------------
--   organizations  members holding org.view (every role)
--   owner_names    the user it names; the org it names, to org.view
--   users          yourself; users who share an org with you where you hold
--                  members.view
--   members        members.view in the org; and your own memberships
--   apps           app.view on the app
--   teams          teams.view in the org
--   team_members   teams.view in the org; and your own team memberships
--   team_apps      teams.view in the org
--   invitations    members.manage in the org; and the invitee (by e-mail)
--   notifications  the addressee (by user key, or by e-mail for invitations
--                  sent before the account existed)
--   audit_log      audit.view in the org; the actor, for personal-app events
--
-- Columns (decision): orgs.users exposes only id, handle, handle_key and
-- created_at through the table.  E-mail addresses and first and last names
-- are read through orgs.org_members (and orgs.me for one's own), which
-- show:
--   - e-mail: to the user, and to members.manage holders of a shared org
--     (they invite and manage by e-mail);
--   - first and last name: to the user; to members.manage holders of a
--     shared org; and, per docs/permissions.md (team_members.view: "see the
--     first and last names of the members of one's teams"), to a member of
--     a team that also contains the user and holds an app on which the
--     viewer holds team_members.view (a labeler lead, or a role whose
--     baseline includes it).  orgs.may_see_user_names(user) decides it.
-- orgs.invitations likewise hides token_hash from everyone.
--
-- The views are owned by the extension owner, are security barriers (a
-- caller's own functions in WHERE never see rows the view filters out) and
-- filter with the same engine calls as the policies.

--------------------------------------------------------------------------
-- Helpers for policies and views (callable by everyone, read-only)
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION orgs.may_see_user_names(user_id bigint)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs.current_user_id() IS NOT NULL
       AND (may_see_user_names.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
            OR EXISTS (SELECT 1 FROM orgs.members m
                        WHERE m.user_id OPERATOR(pg_catalog.=) may_see_user_names.user_id
                          AND orgs.has_org_permission(m.org_id, 'members.manage'))
            OR EXISTS (SELECT 1
                         FROM orgs.team_members mine
                         JOIN orgs.team_members theirs
                           ON theirs.team_id OPERATOR(pg_catalog.=) mine.team_id
                         JOIN orgs.team_apps ta ON ta.team_id OPERATOR(pg_catalog.=) mine.team_id
                        WHERE mine.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
                          AND theirs.user_id OPERATOR(pg_catalog.=) may_see_user_names.user_id
                          AND orgs.has_app_permission(ta.app_id, 'team_members.view')));
END;
COMMENT ON FUNCTION orgs.may_see_user_names(bigint) IS
    'May the acting user see this user''s first and last name? Yourself; members.manage in a shared org; or a shared team holding an app on which you hold team_members.view.';

CREATE OR REPLACE FUNCTION orgs.may_see_user_email(user_id bigint)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs.current_user_id() IS NOT NULL
       AND (may_see_user_email.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
            OR EXISTS (SELECT 1 FROM orgs.members m
                        WHERE m.user_id OPERATOR(pg_catalog.=) may_see_user_email.user_id
                          AND orgs.has_org_permission(m.org_id, 'members.manage')));
END;
COMMENT ON FUNCTION orgs.may_see_user_email(bigint) IS
    'May the acting user see this user''s e-mail address? Yourself, or members.manage in a shared org.';

--------------------------------------------------------------------------
-- Policies
--------------------------------------------------------------------------

GRANT SELECT ON orgs.organizations TO PUBLIC;
DROP POLICY IF EXISTS org_view ON orgs.organizations;
CREATE POLICY org_view ON orgs.organizations FOR SELECT
    USING (orgs.has_org_permission(id, 'org.view'));
COMMENT ON POLICY org_view ON orgs.organizations IS
    'Members holding org.view (every role) see their organizations.';

GRANT SELECT ON orgs.owner_names TO PUBLIC;
DROP POLICY IF EXISTS own_or_visible ON orgs.owner_names;
CREATE POLICY own_or_visible ON orgs.owner_names FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
           OR orgs.has_org_permission(org_id, 'org.view'));
COMMENT ON POLICY own_or_visible ON orgs.owner_names IS
    'One''s own handle, and the IDs of the organizations one may see.';

GRANT SELECT (id, handle, handle_key, created_at) ON orgs.users TO PUBLIC;
DROP POLICY IF EXISTS self_or_shared_org ON orgs.users;
CREATE POLICY self_or_shared_org ON orgs.users FOR SELECT
    USING (orgs.user_visible(id));
COMMENT ON POLICY self_or_shared_org ON orgs.users IS
    'Yourself, and the users who share an organization with you where you hold members.view.';

GRANT SELECT ON orgs.members TO PUBLIC;
DROP POLICY IF EXISTS members_view ON orgs.members;
CREATE POLICY members_view ON orgs.members FOR SELECT
    USING (orgs.has_org_permission(org_id, 'members.view')
           OR user_id OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY members_view ON orgs.members IS
    'The members of the organizations where you hold members.view, and your own memberships.';

GRANT SELECT ON orgs.apps TO PUBLIC;
DROP POLICY IF EXISTS app_view ON orgs.apps;
CREATE POLICY app_view ON orgs.apps FOR SELECT
    USING (orgs.has_app_permission(id, 'app.view'));
COMMENT ON POLICY app_view ON orgs.apps IS
    'The apps on which you hold app.view.';

GRANT SELECT ON orgs.teams TO PUBLIC;
DROP POLICY IF EXISTS teams_view ON orgs.teams;
CREATE POLICY teams_view ON orgs.teams FOR SELECT
    USING (orgs.has_org_permission(org_id, 'teams.view'));
COMMENT ON POLICY teams_view ON orgs.teams IS
    'The teams of the organizations where you hold teams.view.';

GRANT SELECT ON orgs.team_members TO PUBLIC;
DROP POLICY IF EXISTS teams_view ON orgs.team_members;
CREATE POLICY teams_view ON orgs.team_members FOR SELECT
    USING (orgs.has_org_permission(org_id, 'teams.view')
           OR user_id OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON POLICY teams_view ON orgs.team_members IS
    'The team memberships of the organizations where you hold teams.view, and your own.';

GRANT SELECT ON orgs.team_apps TO PUBLIC;
DROP POLICY IF EXISTS teams_view ON orgs.team_apps;
CREATE POLICY teams_view ON orgs.team_apps FOR SELECT
    USING (orgs.has_org_permission(org_id, 'teams.view'));
COMMENT ON POLICY teams_view ON orgs.team_apps IS
    'The team apps of the organizations where you hold teams.view.';

GRANT SELECT (id, org_id, email, role, state, invited_by, created_at, expires_at, decided_at, decided_by)
    ON orgs.invitations TO PUBLIC;
DROP POLICY IF EXISTS manager_or_invitee ON orgs.invitations;
CREATE POLICY manager_or_invitee ON orgs.invitations FOR SELECT
    USING (orgs.has_org_permission(org_id, 'members.manage')
           OR email_key OPERATOR(pg_catalog.=) orgs.email_key(orgs.current_user_email()));
COMMENT ON POLICY manager_or_invitee ON orgs.invitations IS
    'The invitations of the organizations where you hold members.manage, and those addressed to your e-mail.';

GRANT SELECT ON orgs.notifications TO PUBLIC;
DROP POLICY IF EXISTS addressee ON orgs.notifications;
CREATE POLICY addressee ON orgs.notifications FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
           OR email_key OPERATOR(pg_catalog.=) orgs.email_key(orgs.current_user_email()));
COMMENT ON POLICY addressee ON orgs.notifications IS
    'Your notifications, by user key or by e-mail address.';

GRANT SELECT ON orgs.audit_log TO PUBLIC;
DROP POLICY IF EXISTS audit_view ON orgs.audit_log;
CREATE POLICY audit_view ON orgs.audit_log FOR SELECT
    USING (orgs.has_org_permission(org_id, 'audit.view')
           OR (org_id IS NULL AND actor_id OPERATOR(pg_catalog.=) orgs.current_user_id()));
COMMENT ON POLICY audit_view ON orgs.audit_log IS
    'The audit log of the organizations where you hold audit.view, and your own personal-app events.';

--------------------------------------------------------------------------
-- Views for people
--------------------------------------------------------------------------

CREATE OR REPLACE VIEW orgs.me WITH (security_barrier) AS
SELECT u.id, u.handle::text AS handle, u.email::text AS email, u.first_name, u.last_name, u.created_at
  FROM orgs.users u
 WHERE u.id OPERATOR(pg_catalog.=) orgs.current_user_id();
COMMENT ON VIEW orgs.me IS 'The acting user''s own account.';
COMMENT ON COLUMN orgs.me.id IS 'The user''s key (orgs.users.id).';
COMMENT ON COLUMN orgs.me.handle IS 'The user''s handle.';
COMMENT ON COLUMN orgs.me.email IS 'The user''s e-mail address.';
COMMENT ON COLUMN orgs.me.first_name IS 'First name.';
COMMENT ON COLUMN orgs.me.last_name IS 'Last name.';
COMMENT ON COLUMN orgs.me.created_at IS 'When the account was registered.';

CREATE OR REPLACE VIEW orgs.my_orgs WITH (security_barrier) AS
SELECT o.id, o.org_id::text AS org_id, o.name, m.role, m.created_at AS joined_at
  FROM orgs.members m
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) m.org_id
 WHERE m.user_id OPERATOR(pg_catalog.=) orgs.current_user_id();
COMMENT ON VIEW orgs.my_orgs IS 'The organizations the acting user belongs to, with the role held in each.';
COMMENT ON COLUMN orgs.my_orgs.id IS 'The organization''s key.';
COMMENT ON COLUMN orgs.my_orgs.org_id IS 'The organization''s ID.';
COMMENT ON COLUMN orgs.my_orgs.name IS 'The organization''s display name.';
COMMENT ON COLUMN orgs.my_orgs.role IS 'The role the acting user holds in it.';
COMMENT ON COLUMN orgs.my_orgs.joined_at IS 'When the acting user joined it.';

CREATE OR REPLACE VIEW orgs.my_invitations WITH (security_barrier) AS
SELECT i.id AS invitation_id, o.org_id::text AS org_id, o.name AS org_name, i.role,
       inviter.handle::text AS invited_by, i.created_at, i.expires_at
  FROM orgs.invitations i
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) i.org_id
  LEFT JOIN orgs.users inviter ON inviter.id OPERATOR(pg_catalog.=) i.invited_by
 WHERE i.email_key OPERATOR(pg_catalog.=) orgs.email_key(orgs.current_user_email())
   AND i.state OPERATOR(pg_catalog.=) 'pending'
   AND i.expires_at OPERATOR(pg_catalog.>) pg_catalog.now();
COMMENT ON VIEW orgs.my_invitations IS
    'The acting user''s pending, unexpired invitations (accept or decline them by invitation_id).';
COMMENT ON COLUMN orgs.my_invitations.invitation_id IS 'The invitation''s key (for accept_invitation and decline_invitation by id).';
COMMENT ON COLUMN orgs.my_invitations.org_id IS 'The inviting organization''s ID.';
COMMENT ON COLUMN orgs.my_invitations.org_name IS 'The inviting organization''s display name.';
COMMENT ON COLUMN orgs.my_invitations.role IS 'The role offered.';
COMMENT ON COLUMN orgs.my_invitations.invited_by IS 'Handle of the user who sent it.';
COMMENT ON COLUMN orgs.my_invitations.created_at IS 'When it was sent.';
COMMENT ON COLUMN orgs.my_invitations.expires_at IS 'When it stops being valid.';

CREATE OR REPLACE VIEW orgs.org_invitations WITH (security_barrier) AS
SELECT o.org_id::text AS org_id, i.id AS invitation_id, i.email::text AS email, i.role,
       orgs.invitation_effective_state(i.state, i.expires_at) AS state,
       inviter.handle::text AS invited_by, i.created_at, i.expires_at, i.decided_at
  FROM orgs.invitations i
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) i.org_id
  LEFT JOIN orgs.users inviter ON inviter.id OPERATOR(pg_catalog.=) i.invited_by
 WHERE orgs.has_org_permission(i.org_id, 'members.manage');
COMMENT ON VIEW orgs.org_invitations IS
    'Invitations of the organizations where the acting user holds members.manage, with their effective state (the Pending invitations tab).';
COMMENT ON COLUMN orgs.org_invitations.org_id IS 'The organization''s ID.';
COMMENT ON COLUMN orgs.org_invitations.invitation_id IS 'The invitation''s key (for rescind_invitation).';
COMMENT ON COLUMN orgs.org_invitations.email IS 'The invitee''s e-mail address.';
COMMENT ON COLUMN orgs.org_invitations.role IS 'The role offered.';
COMMENT ON COLUMN orgs.org_invitations.state IS 'Effective state: a pending invitation past its expiry shows as expired.';
COMMENT ON COLUMN orgs.org_invitations.invited_by IS 'Handle of the user who sent it.';
COMMENT ON COLUMN orgs.org_invitations.created_at IS 'When it was sent.';
COMMENT ON COLUMN orgs.org_invitations.expires_at IS 'When it stops (or stopped) being valid.';
COMMENT ON COLUMN orgs.org_invitations.decided_at IS 'When it left pending.';

CREATE OR REPLACE VIEW orgs.org_members WITH (security_barrier) AS
SELECT o.org_id::text AS org_id, u.handle::text AS user_handle, m.role, m.created_at AS joined_at,
       CASE WHEN orgs.may_see_user_email(u.id) THEN u.email::text END AS email,
       CASE WHEN orgs.may_see_user_names(u.id) THEN u.first_name END AS first_name,
       CASE WHEN orgs.may_see_user_names(u.id) THEN u.last_name END AS last_name
  FROM orgs.members m
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) m.org_id
  JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) m.user_id
 WHERE orgs.has_org_permission(m.org_id, 'members.view')
    OR m.user_id OPERATOR(pg_catalog.=) orgs.current_user_id();
COMMENT ON VIEW orgs.org_members IS
    'Members of the organizations where the acting user holds members.view (and the acting user''s own memberships); e-mail and names only where the viewer may see them.';
COMMENT ON COLUMN orgs.org_members.org_id IS 'The organization''s ID.';
COMMENT ON COLUMN orgs.org_members.user_handle IS 'The member''s handle.';
COMMENT ON COLUMN orgs.org_members.role IS 'The member''s role.';
COMMENT ON COLUMN orgs.org_members.joined_at IS 'When the member joined.';
COMMENT ON COLUMN orgs.org_members.email IS 'The member''s e-mail address where the viewer may see it (orgs.may_see_user_email), else NULL.';
COMMENT ON COLUMN orgs.org_members.first_name IS 'First name where the viewer may see it (orgs.may_see_user_names), else NULL.';
COMMENT ON COLUMN orgs.org_members.last_name IS 'Last name where the viewer may see it (orgs.may_see_user_names), else NULL.';

CREATE OR REPLACE VIEW orgs.org_teams WITH (security_barrier) AS
SELECT o.org_id::text AS org_id, t.team_id::text AS team_id, t.name, t.default_permission, t.created_at,
       ARRAY(SELECT u.handle::text
               FROM orgs.team_members tm JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) tm.user_id
              WHERE tm.team_id OPERATOR(pg_catalog.=) t.id
              ORDER BY u.handle_key) AS members,
       COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'app', o.org_id::text OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) a.app_id::text,
                            'permission', ta.permission) ORDER BY a.app_key)
                   FROM orgs.team_apps ta JOIN orgs.apps a ON a.id OPERATOR(pg_catalog.=) ta.app_id
                  WHERE ta.team_id OPERATOR(pg_catalog.=) t.id), '[]'::jsonb) AS apps
  FROM orgs.teams t
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) t.org_id
 WHERE orgs.has_org_permission(t.org_id, 'teams.view');
COMMENT ON VIEW orgs.org_teams IS
    'Teams of the organizations where the acting user holds teams.view, with their members (handles) and apps (name and level).';
COMMENT ON COLUMN orgs.org_teams.org_id IS 'The organization''s ID.';
COMMENT ON COLUMN orgs.org_teams.team_id IS 'The team''s ID.';
COMMENT ON COLUMN orgs.org_teams.name IS 'The team''s display name.';
COMMENT ON COLUMN orgs.org_teams.default_permission IS 'Level used when an app is added without one.';
COMMENT ON COLUMN orgs.org_teams.created_at IS 'When the team was created.';
COMMENT ON COLUMN orgs.org_teams.members IS 'Handles of the team''s members, sorted.';
COMMENT ON COLUMN orgs.org_teams.apps IS 'The team''s apps as [{"app": "owner/app_id", "permission": level}], sorted.';

CREATE OR REPLACE VIEW orgs.app_teams WITH (security_barrier) AS
SELECT o.org_id::text OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) a.app_id::text AS app,
       o.org_id::text AS org_id, t.team_id::text AS team_id, t.name AS team_name,
       ta.permission, ta.created_at AS added_at
  FROM orgs.team_apps ta
  JOIN orgs.apps a ON a.id OPERATOR(pg_catalog.=) ta.app_id
  JOIN orgs.teams t ON t.id OPERATOR(pg_catalog.=) ta.team_id
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) ta.org_id
 WHERE orgs.has_app_permission(ta.app_id, 'app.view')
   AND orgs.has_org_permission(ta.org_id, 'teams.view');
COMMENT ON VIEW orgs.app_teams IS
    'Which teams have access to an app and at which level (the App Settings page), for apps the acting user may view in orgs where it may list teams.';
COMMENT ON COLUMN orgs.app_teams.app IS 'The app, as owner/app_id.';
COMMENT ON COLUMN orgs.app_teams.org_id IS 'The organization that owns the app and the team.';
COMMENT ON COLUMN orgs.app_teams.team_id IS 'The team''s ID.';
COMMENT ON COLUMN orgs.app_teams.team_name IS 'The team''s display name.';
COMMENT ON COLUMN orgs.app_teams.permission IS 'The level at which the team holds the app.';
COMMENT ON COLUMN orgs.app_teams.added_at IS 'When the app was added to the team.';

GRANT SELECT ON orgs.me, orgs.my_orgs, orgs.my_invitations, orgs.org_invitations,
                orgs.org_members, orgs.org_teams, orgs.app_teams TO PUBLIC;

--------------------------------------------------------------------------
-- The views on a Citus cluster
--------------------------------------------------------------------------
-- Citus runs the query of a view over distributed or reference tables as
-- the querying role: the privileges and row-level security of each table
-- would then apply to that role (who may not read orgs.users.email, or
-- see the organization of an invitation addressed to it), not to the view's
-- owner as on a single node.  So each view above has a copy in
-- orgs_internal (view_<name>, made from its definition), and on a Citus
-- cluster orgs.citus_setup() makes each view of orgs read its copy
-- through orgs.view_rows(), which runs as the extension's owner: the same
-- rows, filtered by the same engine calls, as on a single node.  (On a
-- single node the views stay as above.)
DO $$
DECLARE
    v text;
    c record;
BEGIN
    FOREACH v IN ARRAY ARRAY['me', 'my_orgs', 'my_invitations', 'org_invitations',
                             'org_members', 'org_teams', 'app_teams']
    LOOP
        EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW orgs_internal.%I WITH (security_barrier) AS %s',
                                  'view_' OPERATOR(pg_catalog.||) v,
                                  pg_catalog.pg_get_viewdef(pg_catalog.format('orgs.%I', v)::pg_catalog.regclass));
        EXECUTE pg_catalog.format('COMMENT ON VIEW orgs_internal.%I IS %L', 'view_' OPERATOR(pg_catalog.||) v,
                                  pg_catalog.format('Internal: the rows of orgs.%s, read by orgs.view_rows() on a Citus cluster.', v));
        EXECUTE pg_catalog.format('REVOKE ALL ON orgs_internal.%I FROM PUBLIC', 'view_' OPERATOR(pg_catalog.||) v);
        FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS d
                   FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('orgs.%I', v)::pg_catalog.regclass
                    AND a.attnum OPERATOR(pg_catalog.>) 0
        LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN orgs_internal.%I.%I IS %L',
                                      'view_' OPERATOR(pg_catalog.||) v, c.attname, c.d);
        END LOOP;
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION orgs.view_rows(view name)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF view_rows.view NOT IN ('me', 'my_orgs', 'my_invitations', 'org_invitations',
                              'org_members', 'org_teams', 'app_teams') THEN
        RAISE EXCEPTION 'orgs.view_rows() reads the views of orgs only, not "%"', view_rows.view
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format('SELECT * FROM orgs_internal.%I', 'view_' || view_rows.view);
END;
$$;
COMMENT ON FUNCTION orgs.view_rows(name) IS
    'The rows of one of the views of orgs (me, my_orgs, my_invitations, org_invitations, org_members, org_teams, app_teams) as the view shows them to the acting user: what those views read on a Citus cluster (orgs.citus_setup), where a view''s query would otherwise run with the querying role''s privileges.';
