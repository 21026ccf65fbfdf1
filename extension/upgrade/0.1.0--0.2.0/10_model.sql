--------------------------------------------------------------------------
-- The permission model becomes data: roles and team levels are rows of
-- orgs.roles and orgs.team_levels, no longer labels of the enum types
-- orgs.org_role and orgs.team_permission, which become text domains of
-- the same names.  The model tables are made anew (12_model_tables.sql,
-- the default model in 14_default_model.sql); the rows 0.1.0 had that
-- differ from the default model are put back as a deployment's own
-- (16_model_reconcile.sql).
--------------------------------------------------------------------------

-- Objects outside the extension that use the enum types or the model
-- tables would be broken: name them and stop, before anything changes.
DO $$
DECLARE
    v_deps text;
BEGIN
    SELECT pg_catalog.string_agg(DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', ')
      INTO v_deps
      FROM pg_catalog.pg_depend d
     WHERE d.deptype OPERATOR(pg_catalog.=) 'n'
       AND ((d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
             AND d.refobjid OPERATOR(pg_catalog.=) ANY (ARRAY['orgs.org_role'::pg_catalog.regtype,
                                                              'orgs.team_permission'::pg_catalog.regtype]::pg_catalog.oid[]))
            OR (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND d.refobjid OPERATOR(pg_catalog.=) ANY (ARRAY[
                    'orgs.permissions'::pg_catalog.regclass, 'orgs.role_org_permissions'::pg_catalog.regclass,
                    'orgs.role_app_baseline'::pg_catalog.regclass, 'orgs.role_app_ceiling'::pg_catalog.regclass,
                    'orgs.team_level_permissions'::pg_catalog.regclass,
                    'orgs.org_permissions_from_app'::pg_catalog.regclass]::pg_catalog.oid[])))
       -- the extension's own objects, and the parts of the tables themselves
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                        WHERE e.classid OPERATOR(pg_catalog.=) d.classid
                          AND e.objid OPERATOR(pg_catalog.=) d.objid
                          AND e.deptype OPERATOR(pg_catalog.=) 'e')
       AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                             WHERE e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                               AND e.objid OPERATOR(pg_catalog.=) d.objid
                               AND e.deptype OPERATOR(pg_catalog.=) 'e'))
       AND d.classid OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog.pg_constraint'::pg_catalog.regclass,
                                                        'pg_catalog.pg_attrdef'::pg_catalog.regclass,
                                                        'pg_catalog.pg_type'::pg_catalog.regclass]::pg_catalog.oid[]);
    IF v_deps IS NOT NULL THEN
        RAISE EXCEPTION 'objects outside extension pg_orgs use its enum types or model tables: %', v_deps
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'pg_orgs 0.2.0 replaces the enum types orgs.org_role and orgs.team_permission by text domains of the same names, and remakes the model tables.',
                  HINT = 'Drop these objects, update the extension, then create them again.';
    END IF;
END;
$$;

-- The privileges granted on the views and functions that are remade, to
-- grant them again afterwards (95_model_acl.sql).
CREATE TABLE orgs.upgrade_0_2_acl AS
SELECT x.kind, x.ident, pg_catalog.quote_ident(r.rolname) AS grantee, a.privilege_type
  FROM (SELECT 'TABLE' AS kind, c.oid::pg_catalog.regclass::text AS ident, c.relacl AS acl, c.relowner AS owner
          FROM pg_catalog.pg_class c
         WHERE c.oid OPERATOR(pg_catalog.=) ANY (ARRAY['orgs.app_teams'::pg_catalog.regclass, 'orgs.my_invitations'::pg_catalog.regclass,
                                                      'orgs.my_orgs'::pg_catalog.regclass, 'orgs.org_invitations'::pg_catalog.regclass,
                                                      'orgs.org_members'::pg_catalog.regclass, 'orgs.org_teams'::pg_catalog.regclass]::pg_catalog.oid[])
        UNION ALL
        SELECT 'FUNCTION', p.oid::pg_catalog.regprocedure::text, p.proacl, p.proowner
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) 'orgs'::pg_catalog.regnamespace
           AND (p.proargtypes::pg_catalog.oid[] && ARRAY['orgs.org_role'::pg_catalog.regtype,
                                                         'orgs.team_permission'::pg_catalog.regtype]::pg_catalog.oid[])) x,
       LATERAL pg_catalog.aclexplode(x.acl) a
  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
 WHERE a.grantee OPERATOR(pg_catalog.<>) x.owner;

-- The views and functions that use the enum types or the model tables;
-- the code pieces make them again.
DROP VIEW orgs.app_teams;
DROP VIEW orgs.my_invitations;
DROP VIEW orgs.my_orgs;
DROP VIEW orgs.org_invitations;
DROP VIEW orgs.org_members;
DROP VIEW orgs.org_teams;
DROP FUNCTION orgs.add_team_app(text, text, text, orgs.team_permission);
DROP FUNCTION orgs.create_team(text, text, text, orgs.team_permission);
DROP FUNCTION orgs.invite(text, text, orgs.org_role, interval);
DROP FUNCTION orgs.level_permissions(orgs.team_permission);
DROP FUNCTION orgs.require_level_within_actor(bigint, orgs.team_permission);
DROP FUNCTION orgs.require_role_within_actor(bigint, orgs.org_role, text);
DROP FUNCTION orgs.role_exceeding_actor(bigint, orgs.org_role);
DROP FUNCTION orgs.set_member_role(text, text, orgs.org_role);
DROP FUNCTION orgs.set_team_app_permission(text, text, text, orgs.team_permission);

-- The model of 0.1.0, kept for 16_model_reconcile.sql (0.1.0 had the same
-- default model but app.transfer for org_contributor, removed in 00_pre.sql).
CREATE TABLE orgs.upgrade_0_2_model (tbl text, a text, b text, c text);
INSERT INTO orgs.upgrade_0_2_model
SELECT 'permissions', scope::text, name, description FROM orgs.permissions
UNION ALL SELECT 'role_org_permissions', role::text, permission, NULL FROM orgs.role_org_permissions
UNION ALL SELECT 'role_app_baseline', role::text, permission, NULL FROM orgs.role_app_baseline
UNION ALL SELECT 'role_app_ceiling', role::text, permission, NULL FROM orgs.role_app_ceiling
UNION ALL SELECT 'team_level_permissions', level::text, permission, NULL FROM orgs.team_level_permissions
UNION ALL SELECT 'org_permissions_from_app', org_permission, app_permission, NULL FROM orgs.org_permissions_from_app
UNION ALL SELECT 'roles', r::text, NULL, NULL FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::orgs.org_role)) r
UNION ALL SELECT 'team_levels', l::text, NULL, NULL FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::orgs.team_permission)) l;

DROP TABLE orgs.org_permissions_from_app;
DROP TABLE orgs.team_level_permissions;
DROP TABLE orgs.role_app_ceiling;
DROP TABLE orgs.role_app_baseline;
DROP TABLE orgs.role_org_permissions;
DROP TABLE orgs.permissions;

-- The enum types become text domains of the same names.
ALTER TYPE orgs.org_role RENAME TO org_role_0_1;
ALTER TYPE orgs.team_permission RENAME TO team_permission_0_1;
CREATE DOMAIN orgs.org_role AS text COLLATE "C"
    CONSTRAINT org_role_length
    CHECK (pg_catalog.length(VALUE) BETWEEN 1 AND 63);
COMMENT ON DOMAIN orgs.org_role IS
    'The name of a role a member holds in an organization: one of the rows of orgs.roles (the installed model has admin, financial_manager, org_contributor, org_user, team_contributor and infrastructure_manager).';
CREATE DOMAIN orgs.team_permission AS text COLLATE "C"
    CONSTRAINT team_permission_length
    CHECK (pg_catalog.length(VALUE) BETWEEN 1 AND 63);
COMMENT ON DOMAIN orgs.team_permission IS
    'The name of a permission level a team holds on one app: one of the rows of orgs.team_levels (the installed model has full_access, model_trainer, labeler_lead and labeler_worker).';

ALTER TABLE orgs.members ALTER COLUMN role TYPE orgs.org_role USING role::text;
ALTER TABLE orgs.members ADD COLUMN role_scope bigint NOT NULL DEFAULT 0;
ALTER TABLE orgs.members ADD CONSTRAINT members_role_scope_check
    CHECK (role_scope OPERATOR(pg_catalog.=) 0 OR role_scope OPERATOR(pg_catalog.=) org_id);
COMMENT ON COLUMN orgs.members.role_scope IS 'Where the role is defined: 0 for a role of every organization, the org''s key for one of its own roles (set by a trigger).';
ALTER TABLE orgs.invitations ALTER COLUMN role TYPE orgs.org_role USING role::text;
ALTER TABLE orgs.invitations ADD COLUMN role_scope bigint DEFAULT 0;
ALTER TABLE orgs.invitations ADD CONSTRAINT invitations_role_scope_check
    CHECK (role_scope OPERATOR(pg_catalog.=) 0 OR role_scope OPERATOR(pg_catalog.=) org_id);
COMMENT ON COLUMN orgs.invitations.role_scope IS 'Where the role is defined: 0 for a role of every organization, the org''s key for one of its own roles (set by a trigger); NULL once the role of a decided invitation is dropped.';
ALTER TABLE orgs.teams ALTER COLUMN default_permission TYPE orgs.team_permission USING default_permission::text;
ALTER TABLE orgs.team_apps ALTER COLUMN permission TYPE orgs.team_permission USING permission::text;
