-- pg_orgs install script, schema piece: the tables of the permission
-- model (the upgrade from 0.1.0 creates them with this file too).

--------------------------------------------------------------------------
-- The permission model, as data read by the C engine: permissions, roles,
-- team levels and what each grants.  CREATE EXTENSION installs the default
-- model (05_matrix.sql); a deployment changes it with the functions of
-- 50_model.sql.  Every row has is_default: true for a row exactly as the
-- installed model has it.  pg_dump keeps the rows that are not (and
-- orgs.model_removed, the keys of default rows that were removed), so a
-- restore that installs the default model and then loads them ends with
-- the same model.
--------------------------------------------------------------------------

CREATE TABLE orgs.permissions (
    scope       orgs.permission_scope NOT NULL,
    name        text COLLATE "C" NOT NULL
                CONSTRAINT permissions_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'
                       AND pg_catalog.length(name) OPERATOR(pg_catalog.<=) 63),
    description text NOT NULL,
    is_default  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (scope, name)
);
COMMENT ON TABLE orgs.permissions IS 'Every permission name with its scope.';
COMMENT ON COLUMN orgs.permissions.scope IS 'org (has_org_permission) or app (has_app_permission).';
COMMENT ON COLUMN orgs.permissions.name IS 'resource.action: lower-case letters, digits and _, at most 63 characters.';
COMMENT ON COLUMN orgs.permissions.description IS 'What it allows.';
COMMENT ON COLUMN orgs.permissions.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.roles (
    role_scope  bigint NOT NULL DEFAULT 0,
    name        orgs.org_role NOT NULL
                CONSTRAINT roles_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    description text NOT NULL DEFAULT ''
                CHECK (pg_catalog.length(description) OPERATOR(pg_catalog.<=) 1000),
    is_default  boolean NOT NULL DEFAULT false,
    org_id      bigint GENERATED ALWAYS AS (NULLIF(role_scope, 0)) STORED,
    PRIMARY KEY (role_scope, name),
    CONSTRAINT roles_org_fkey FOREIGN KEY (org_id)
        REFERENCES orgs.organizations (id) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.roles IS 'Roles a member can hold: those of every organization (role_scope 0) and those an organization defined for itself.';
COMMENT ON COLUMN orgs.roles.role_scope IS '0 for a role of every organization; the org''s key for a role of that organization only.';
COMMENT ON COLUMN orgs.roles.name IS 'The role''s name: lower-case letters, digits and _, starting with a letter.';
COMMENT ON COLUMN orgs.roles.description IS 'What the role is for.';
COMMENT ON COLUMN orgs.roles.is_default IS 'The row is exactly as the installed default model has it.';
COMMENT ON COLUMN orgs.roles.org_id IS 'The organization of an org''s own role (NULL for a role of every organization); deleting the org deletes it.';

CREATE TABLE orgs.team_levels (
    name        orgs.team_permission NOT NULL PRIMARY KEY
                CONSTRAINT team_levels_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    description text NOT NULL DEFAULT ''
                CHECK (pg_catalog.length(description) OPERATOR(pg_catalog.<=) 1000),
    is_default  boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE orgs.team_levels IS 'The permission levels at which a team can hold an app.';
COMMENT ON COLUMN orgs.team_levels.name IS 'The level''s name: lower-case letters, digits and _, starting with a letter.';
COMMENT ON COLUMN orgs.team_levels.description IS 'What the level is for.';
COMMENT ON COLUMN orgs.team_levels.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.role_org_permissions (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'org'
               CHECK (scope OPERATOR(pg_catalog.=) 'org'),
    permission text COLLATE "C" NOT NULL,
    role_scope bigint NOT NULL DEFAULT 0,
    is_default boolean NOT NULL DEFAULT false,
    CONSTRAINT role_org_permissions_pkey PRIMARY KEY (role_scope, role, permission),
    CONSTRAINT role_org_permissions_role_fkey FOREIGN KEY (role_scope, role)
        REFERENCES orgs.roles (role_scope, name) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT role_org_permissions_scope_permission_fkey FOREIGN KEY (scope, permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.role_org_permissions IS 'Org-level permissions granted by each role.';
COMMENT ON COLUMN orgs.role_org_permissions.role IS 'The role.';
COMMENT ON COLUMN orgs.role_org_permissions.scope IS 'Always org.';
COMMENT ON COLUMN orgs.role_org_permissions.permission IS 'The org-level permission granted.';
COMMENT ON COLUMN orgs.role_org_permissions.role_scope IS 'The role''s scope (orgs.roles.role_scope).';
COMMENT ON COLUMN orgs.role_org_permissions.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.role_app_baseline (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    role_scope bigint NOT NULL DEFAULT 0,
    is_default boolean NOT NULL DEFAULT false,
    CONSTRAINT role_app_baseline_pkey PRIMARY KEY (role_scope, role, permission),
    CONSTRAINT role_app_baseline_role_fkey FOREIGN KEY (role_scope, role)
        REFERENCES orgs.roles (role_scope, name) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT role_app_baseline_scope_permission_fkey FOREIGN KEY (scope, permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.role_app_baseline IS 'B(role): app-level permissions a role holds on every app its org owns.';
COMMENT ON COLUMN orgs.role_app_baseline.role IS 'The role.';
COMMENT ON COLUMN orgs.role_app_baseline.scope IS 'Always app.';
COMMENT ON COLUMN orgs.role_app_baseline.permission IS 'The app-level permission.';
COMMENT ON COLUMN orgs.role_app_baseline.role_scope IS 'The role''s scope (orgs.roles.role_scope).';
COMMENT ON COLUMN orgs.role_app_baseline.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.role_app_ceiling (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    role_scope bigint NOT NULL DEFAULT 0,
    is_default boolean NOT NULL DEFAULT false,
    CONSTRAINT role_app_ceiling_pkey PRIMARY KEY (role_scope, role, permission),
    CONSTRAINT role_app_ceiling_role_fkey FOREIGN KEY (role_scope, role)
        REFERENCES orgs.roles (role_scope, name) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT role_app_ceiling_scope_permission_fkey FOREIGN KEY (scope, permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.role_app_ceiling IS 'C(role): the most a team grant can give a member of this role.';
COMMENT ON COLUMN orgs.role_app_ceiling.role IS 'The role.';
COMMENT ON COLUMN orgs.role_app_ceiling.scope IS 'Always app.';
COMMENT ON COLUMN orgs.role_app_ceiling.permission IS 'The app-level permission.';
COMMENT ON COLUMN orgs.role_app_ceiling.role_scope IS 'The role''s scope (orgs.roles.role_scope).';
COMMENT ON COLUMN orgs.role_app_ceiling.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.team_level_permissions (
    level      orgs.team_permission NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    CONSTRAINT team_level_permissions_pkey PRIMARY KEY (level, permission),
    CONSTRAINT team_level_permissions_level_fkey FOREIGN KEY (level)
        REFERENCES orgs.team_levels (name) ON UPDATE CASCADE ON DELETE CASCADE,
    CONSTRAINT team_level_permissions_scope_permission_fkey FOREIGN KEY (scope, permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.team_level_permissions IS 'L(level): app-level permissions of each team level.';
COMMENT ON COLUMN orgs.team_level_permissions.level IS 'The team permission level.';
COMMENT ON COLUMN orgs.team_level_permissions.scope IS 'Always app.';
COMMENT ON COLUMN orgs.team_level_permissions.permission IS 'The app-level permission.';
COMMENT ON COLUMN orgs.team_level_permissions.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.org_permissions_from_app (
    org_scope      orgs.permission_scope NOT NULL DEFAULT 'org'
                   CHECK (org_scope OPERATOR(pg_catalog.=) 'org'),
    org_permission text COLLATE "C" NOT NULL,
    app_scope      orgs.permission_scope NOT NULL DEFAULT 'app'
                   CHECK (app_scope OPERATOR(pg_catalog.=) 'app'),
    app_permission text COLLATE "C" NOT NULL,
    is_default     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (org_permission, app_permission),
    CONSTRAINT org_permissions_from_app_org_scope_org_permission_fkey FOREIGN KEY (org_scope, org_permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE,
    CONSTRAINT org_permissions_from_app_app_scope_app_permission_fkey FOREIGN KEY (app_scope, app_permission)
        REFERENCES orgs.permissions (scope, name) ON DELETE CASCADE
);
COMMENT ON TABLE orgs.org_permissions_from_app IS
    'An org-level permission also held by a member who holds this app-level permission on any app of the org.';
COMMENT ON COLUMN orgs.org_permissions_from_app.org_scope IS 'Always org.';
COMMENT ON COLUMN orgs.org_permissions_from_app.org_permission IS 'The org-level permission implied.';
COMMENT ON COLUMN orgs.org_permissions_from_app.app_scope IS 'Always app.';
COMMENT ON COLUMN orgs.org_permissions_from_app.app_permission IS 'The app-level permission that implies it.';
COMMENT ON COLUMN orgs.org_permissions_from_app.is_default IS 'The row is exactly as the installed default model has it.';

CREATE TABLE orgs.model_removed (
    table_name text COLLATE "C" NOT NULL
               CHECK (table_name OPERATOR(pg_catalog.=) ANY (ARRAY[
                   'permissions', 'roles', 'team_levels', 'role_org_permissions',
                   'role_app_baseline', 'role_app_ceiling', 'team_level_permissions',
                   'org_permissions_from_app'])),
    key        jsonb NOT NULL,
    PRIMARY KEY (table_name, key)
);
COMMENT ON TABLE orgs.model_removed IS
    'The keys of rows of the installed default model that were removed or renamed: restoring a dump removes them again after CREATE EXTENSION installs them.';
COMMENT ON COLUMN orgs.model_removed.table_name IS 'The model table (in schema orgs).';
COMMENT ON COLUMN orgs.model_removed.key IS 'The removed row''s primary key columns and values.';
