--------------------------------------------------------------------------
-- The model 0.1.0 had, over the default model just installed: a row the
-- default model lacks (or has with another description) is put in as the
-- deployment's own (is_default false, so that pg_dump keeps it); a default
-- row 0.1.0 did not have was removed by its DBA: it goes, and its key is
-- recorded in orgs.model_removed.  (The triggers that do this on every
-- later change are created by the code pieces, after this.)
--------------------------------------------------------------------------

-- extra labels of the enum types (ALTER TYPE ... ADD VALUE)
INSERT INTO orgs.roles (role_scope, name, description)
SELECT 0, o.a, '' FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'roles'
   AND NOT EXISTS (SELECT 1 FROM orgs.roles r WHERE r.role_scope OPERATOR(pg_catalog.=) 0 AND r.name OPERATOR(pg_catalog.=) o.a);
INSERT INTO orgs.team_levels (name, description)
SELECT o.a, '' FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'team_levels'
   AND NOT EXISTS (SELECT 1 FROM orgs.team_levels l WHERE l.name OPERATOR(pg_catalog.=) o.a);

-- permissions: added, or described otherwise
UPDATE orgs.permissions p SET description = o.c, is_default = false
  FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'permissions' AND p.scope::text OPERATOR(pg_catalog.=) o.a
   AND p.name OPERATOR(pg_catalog.=) o.b AND p.description OPERATOR(pg_catalog.<>) o.c;
INSERT INTO orgs.permissions (scope, name, description)
SELECT o.a::orgs.permission_scope, o.b, o.c FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'permissions'
   AND NOT EXISTS (SELECT 1 FROM orgs.permissions p
                    WHERE p.scope::text OPERATOR(pg_catalog.=) o.a AND p.name OPERATOR(pg_catalog.=) o.b);

-- grants and implications 0.1.0 had beyond the default model
INSERT INTO orgs.role_org_permissions (role_scope, role, permission)
SELECT 0, o.a, o.b FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'role_org_permissions'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_org_permissions g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) o.a
                      AND g.permission OPERATOR(pg_catalog.=) o.b);
INSERT INTO orgs.role_app_baseline (role_scope, role, permission)
SELECT 0, o.a, o.b FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_baseline'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_app_baseline g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) o.a
                      AND g.permission OPERATOR(pg_catalog.=) o.b);
INSERT INTO orgs.role_app_ceiling (role_scope, role, permission)
SELECT 0, o.a, o.b FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_ceiling'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_app_ceiling g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) o.a
                      AND g.permission OPERATOR(pg_catalog.=) o.b);
INSERT INTO orgs.team_level_permissions (level, permission)
SELECT o.a, o.b FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'team_level_permissions'
   AND NOT EXISTS (SELECT 1 FROM orgs.team_level_permissions g
                    WHERE g.level OPERATOR(pg_catalog.=) o.a AND g.permission OPERATOR(pg_catalog.=) o.b);
INSERT INTO orgs.org_permissions_from_app (org_permission, app_permission)
SELECT o.a, o.b FROM orgs.upgrade_0_2_model o
 WHERE o.tbl OPERATOR(pg_catalog.=) 'org_permissions_from_app'
   AND NOT EXISTS (SELECT 1 FROM orgs.org_permissions_from_app g
                    WHERE g.org_permission OPERATOR(pg_catalog.=) o.a AND g.app_permission OPERATOR(pg_catalog.=) o.b);

-- default rows 0.1.0 did not have: removed, and recorded
INSERT INTO orgs.model_removed (table_name, key)
SELECT 'role_org_permissions', pg_catalog.jsonb_build_object('role_scope', 0, 'role', g.role, 'permission', g.permission)
  FROM orgs.role_org_permissions g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_org_permissions'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission)
UNION ALL
SELECT 'role_app_baseline', pg_catalog.jsonb_build_object('role_scope', 0, 'role', g.role, 'permission', g.permission)
  FROM orgs.role_app_baseline g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_baseline'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission)
UNION ALL
SELECT 'role_app_ceiling', pg_catalog.jsonb_build_object('role_scope', 0, 'role', g.role, 'permission', g.permission)
  FROM orgs.role_app_ceiling g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_ceiling'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission)
UNION ALL
SELECT 'team_level_permissions', pg_catalog.jsonb_build_object('level', g.level, 'permission', g.permission)
  FROM orgs.team_level_permissions g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'team_level_permissions'
                      AND o.a OPERATOR(pg_catalog.=) g.level AND o.b OPERATOR(pg_catalog.=) g.permission)
UNION ALL
SELECT 'org_permissions_from_app', pg_catalog.jsonb_build_object('org_permission', g.org_permission, 'app_permission', g.app_permission)
  FROM orgs.org_permissions_from_app g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'org_permissions_from_app'
                      AND o.a OPERATOR(pg_catalog.=) g.org_permission AND o.b OPERATOR(pg_catalog.=) g.app_permission)
UNION ALL
SELECT 'permissions', pg_catalog.jsonb_build_object('scope', p.scope, 'name', p.name)
  FROM orgs.permissions p
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'permissions'
                      AND o.a OPERATOR(pg_catalog.=) p.scope::text AND o.b OPERATOR(pg_catalog.=) p.name);
DELETE FROM orgs.role_org_permissions g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_org_permissions'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission);
DELETE FROM orgs.role_app_baseline g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_baseline'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission);
DELETE FROM orgs.role_app_ceiling g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'role_app_ceiling'
                      AND o.a OPERATOR(pg_catalog.=) g.role AND o.b OPERATOR(pg_catalog.=) g.permission);
DELETE FROM orgs.team_level_permissions g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'team_level_permissions'
                      AND o.a OPERATOR(pg_catalog.=) g.level AND o.b OPERATOR(pg_catalog.=) g.permission);
DELETE FROM orgs.org_permissions_from_app g
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'org_permissions_from_app'
                      AND o.a OPERATOR(pg_catalog.=) g.org_permission AND o.b OPERATOR(pg_catalog.=) g.app_permission);
DELETE FROM orgs.permissions p
 WHERE NOT EXISTS (SELECT 1 FROM orgs.upgrade_0_2_model o
                    WHERE o.tbl OPERATOR(pg_catalog.=) 'permissions'
                      AND o.a OPERATOR(pg_catalog.=) p.scope::text AND o.b OPERATOR(pg_catalog.=) p.name);

-- the role admin holds every permission (0.2.0 keeps it so)
INSERT INTO orgs.role_org_permissions (role_scope, role, permission)
SELECT 0, 'admin', p.name FROM orgs.permissions p
 WHERE p.scope OPERATOR(pg_catalog.=) 'org'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_org_permissions g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) 'admin'
                      AND g.permission OPERATOR(pg_catalog.=) p.name);
INSERT INTO orgs.role_app_baseline (role_scope, role, permission)
SELECT 0, 'admin', p.name FROM orgs.permissions p
 WHERE p.scope OPERATOR(pg_catalog.=) 'app'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_app_baseline g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) 'admin'
                      AND g.permission OPERATOR(pg_catalog.=) p.name);
INSERT INTO orgs.role_app_ceiling (role_scope, role, permission)
SELECT 0, 'admin', p.name FROM orgs.permissions p
 WHERE p.scope OPERATOR(pg_catalog.=) 'app'
   AND NOT EXISTS (SELECT 1 FROM orgs.role_app_ceiling g
                    WHERE g.role_scope OPERATOR(pg_catalog.=) 0 AND g.role OPERATOR(pg_catalog.=) 'admin'
                      AND g.permission OPERATOR(pg_catalog.=) p.name);

DROP TABLE orgs.upgrade_0_2_model;
