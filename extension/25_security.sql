--------------------------------------------------------------------------
-- Security: row-level security on every table, privileges, pg_dump
--------------------------------------------------------------------------

-- Every table has row-level security enabled and forced.  Data tables get
-- their read policies from the flows (40_*.sql); until a policy grants it,
-- nobody but the extension owner (a superuser) sees a row.  Direct writes
-- by ordinary roles are refused: no INSERT, UPDATE or DELETE privilege is
-- granted and no write policy exists; every write goes through the
-- extension's functions, which check the same matrix as the reads.

ALTER TABLE orgs.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.users FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.owner_names ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.owner_names FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.members ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.members FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.apps ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.apps FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.teams FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_members FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_apps ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_apps FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.invitations FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.notifications FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.permissions FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_org_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_org_permissions FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_app_baseline ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_app_baseline FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_app_ceiling ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.role_app_ceiling FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_level_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_level_permissions FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.org_permissions_from_app ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.org_permissions_from_app FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.roles FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_levels ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.team_levels FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs.model_removed ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs.model_removed FORCE ROW LEVEL SECURITY;

GRANT USAGE ON SCHEMA orgs TO PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA orgs FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA orgs FROM PUBLIC;

-- The model is readable by everyone (but the roles an organization defined
-- for itself: their policies are in 50_model.sql).
GRANT SELECT ON orgs.permissions TO PUBLIC;
DROP POLICY IF EXISTS readable_by_all ON orgs.permissions;
CREATE POLICY readable_by_all ON orgs.permissions FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.permissions IS 'The permission matrix is public.';
GRANT SELECT ON orgs.role_org_permissions TO PUBLIC;
GRANT SELECT ON orgs.role_app_baseline TO PUBLIC;
GRANT SELECT ON orgs.role_app_ceiling TO PUBLIC;
GRANT SELECT ON orgs.team_level_permissions TO PUBLIC;
DROP POLICY IF EXISTS readable_by_all ON orgs.team_level_permissions;
CREATE POLICY readable_by_all ON orgs.team_level_permissions FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.team_level_permissions IS 'The permission matrix is public.';
GRANT SELECT ON orgs.org_permissions_from_app TO PUBLIC;
DROP POLICY IF EXISTS readable_by_all ON orgs.org_permissions_from_app;
CREATE POLICY readable_by_all ON orgs.org_permissions_from_app FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.org_permissions_from_app IS 'The permission matrix is public.';

-- pg_dump keeps the rows of every data table and the sequences' positions.
-- orgs.owner_names is derived: its triggers rebuild it as users and
-- organizations are restored, so it is not dumped.
SELECT pg_catalog.pg_extension_config_dump('orgs.users', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.organizations', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.members', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.apps', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.teams', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.team_members', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.team_apps', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.invitations', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.notifications', '');
-- The model: the rows that are not as the default model has them, and the
-- keys of the default rows that were removed (see 50_model.sql).  A
-- database with the default model dumps no model row.
SELECT pg_catalog.pg_extension_config_dump('orgs.permissions', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.roles', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.team_levels', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.role_org_permissions', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.role_app_baseline', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.role_app_ceiling', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.team_level_permissions', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.org_permissions_from_app', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('orgs.model_removed', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.organizations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.apps_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.teams_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.invitations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.notifications_id_seq', '');
