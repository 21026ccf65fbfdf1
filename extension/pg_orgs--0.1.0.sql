-- pg_orgs install script.  Assembled by the Makefile from extension/*.sql
-- in file-name order; this first piece holds the types and tables.
\echo Use "CREATE EXTENSION pg_orgs" to load this file. \quit

--------------------------------------------------------------------------
-- Types and domains
--------------------------------------------------------------------------

CREATE TYPE orgs.org_role AS ENUM (
    'admin', 'financial_manager', 'org_contributor', 'org_user',
    'team_contributor', 'infrastructure_manager');
COMMENT ON TYPE orgs.org_role IS
    'The role a member holds in an organization (PERMISSIONS.md section 2).';

CREATE TYPE orgs.team_permission AS ENUM (
    'full_access', 'model_trainer', 'labeler_lead', 'labeler_worker');
COMMENT ON TYPE orgs.team_permission IS
    'The permission level a team holds on one app (PERMISSIONS.md section 3).';

CREATE TYPE orgs.invitation_state AS ENUM (
    'pending', 'accepted', 'declined', 'rescinded', 'expired');
COMMENT ON TYPE orgs.invitation_state IS
    'State of an invitation; an invitation leaves pending at most once.';

CREATE TYPE orgs.permission_scope AS ENUM ('org', 'app');
COMMENT ON TYPE orgs.permission_scope IS
    'Whether a permission is checked on an organization or on an app.';

CREATE DOMAIN orgs.identifier AS text
    CONSTRAINT identifier_syntax
    CHECK (VALUE OPERATOR(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$');
COMMENT ON DOMAIN orgs.identifier IS
    'A user handle, org ID, team ID or app ID: 1 to 64 letters, digits, _ or -, starting with a letter or digit.';

CREATE DOMAIN orgs.email AS text
    CONSTRAINT email_syntax
    CHECK (VALUE OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.btrim(VALUE))
           AND pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 254
           AND VALUE OPERATOR(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+$');
COMMENT ON DOMAIN orgs.email IS
    'An e-mail address, stored trimmed and lower-cased (use orgs.normalize_email).';

--------------------------------------------------------------------------
-- Sequences (explicit, so that pg_dump keeps their positions)
--------------------------------------------------------------------------

CREATE SEQUENCE orgs.users_id_seq;
CREATE SEQUENCE orgs.organizations_id_seq;
CREATE SEQUENCE orgs.apps_id_seq;
CREATE SEQUENCE orgs.teams_id_seq;
CREATE SEQUENCE orgs.invitations_id_seq;
CREATE SEQUENCE orgs.audit_log_id_seq;
CREATE SEQUENCE orgs.notifications_id_seq;
COMMENT ON SEQUENCE orgs.users_id_seq IS 'Keys of orgs.users.';
COMMENT ON SEQUENCE orgs.organizations_id_seq IS 'Keys of orgs.organizations.';
COMMENT ON SEQUENCE orgs.apps_id_seq IS 'Keys of orgs.apps.';
COMMENT ON SEQUENCE orgs.teams_id_seq IS 'Keys of orgs.teams.';
COMMENT ON SEQUENCE orgs.invitations_id_seq IS 'Keys of orgs.invitations.';
COMMENT ON SEQUENCE orgs.audit_log_id_seq IS 'Keys of orgs.audit_log.';
COMMENT ON SEQUENCE orgs.notifications_id_seq IS 'Keys of orgs.notifications.';

--------------------------------------------------------------------------
-- Users and organizations
--------------------------------------------------------------------------

CREATE TABLE orgs.users (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.users_id_seq'),
    handle      orgs.identifier NOT NULL,
    handle_key  text COLLATE "C" NOT NULL
                GENERATED ALWAYS AS (pg_catalog.lower(handle::text)) STORED,
    email       orgs.email NOT NULL,
    first_name  text CHECK (pg_catalog.length(first_name) OPERATOR(pg_catalog.<=) 200),
    last_name   text CHECK (pg_catalog.length(last_name) OPERATOR(pg_catalog.<=) 200),
    db_role     regrole,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
ALTER SEQUENCE orgs.users_id_seq OWNED BY orgs.users.id;
CREATE UNIQUE INDEX users_handle_key ON orgs.users (handle_key);
CREATE UNIQUE INDEX users_email_key ON orgs.users (email);
CREATE UNIQUE INDEX users_db_role_key ON orgs.users (db_role);
COMMENT ON TABLE orgs.users IS 'Accounts: people who can act in organizations.';
COMMENT ON COLUMN orgs.users.id IS 'The user''s key.';
COMMENT ON COLUMN orgs.users.handle IS 'The user''s handle, unique without regard to case among handles and org IDs.';
COMMENT ON COLUMN orgs.users.handle_key IS 'lower(handle): the key of uniqueness and look-up.';
COMMENT ON COLUMN orgs.users.email IS 'Verified e-mail address, trimmed and lower-cased.';
COMMENT ON COLUMN orgs.users.first_name IS 'First name (visible to team leads under team_members.view).';
COMMENT ON COLUMN orgs.users.last_name IS 'Last name (visible to team leads under team_members.view).';
COMMENT ON COLUMN orgs.users.db_role IS 'A database role that acts as this user without act_as (orgs.link_db_role).';
COMMENT ON COLUMN orgs.users.created_at IS 'When the account was registered.';

CREATE TABLE orgs.organizations (
    id            bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.organizations_id_seq'),
    org_id        orgs.identifier NOT NULL,
    org_key       text COLLATE "C" NOT NULL
                  GENERATED ALWAYS AS (pg_catalog.lower(org_id::text)) STORED,
    name          text NOT NULL
                  CHECK (pg_catalog.length(pg_catalog.btrim(name)) BETWEEN 1 AND 200),
    billing_email orgs.email,
    created_by    bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    admin_epoch   bigint NOT NULL DEFAULT 0
);
ALTER SEQUENCE orgs.organizations_id_seq OWNED BY orgs.organizations.id;
CREATE UNIQUE INDEX organizations_org_key ON orgs.organizations (org_key);
COMMENT ON TABLE orgs.organizations IS 'Organizations: tenants that own apps and have members and teams.';
COMMENT ON COLUMN orgs.organizations.id IS 'The org''s key, carried by every table whose rows belong to it.';
COMMENT ON COLUMN orgs.organizations.org_id IS 'The org''s ID used in URLs, unique without regard to case among handles and org IDs.';
COMMENT ON COLUMN orgs.organizations.org_key IS 'lower(org_id): the key of uniqueness and look-up.';
COMMENT ON COLUMN orgs.organizations.name IS 'Display name.';
COMMENT ON COLUMN orgs.organizations.billing_email IS 'Billing e-mail address.';
COMMENT ON COLUMN orgs.organizations.created_by IS 'The user who created the org.';
COMMENT ON COLUMN orgs.organizations.created_at IS 'When the org was created.';
COMMENT ON COLUMN orgs.organizations.admin_epoch IS 'Bumped whenever an admin is demoted or removed: serializes the last-admin check.';

-- User handles and org IDs share one case-insensitive namespace.
CREATE TABLE orgs.owner_names (
    name_key  text COLLATE "C" PRIMARY KEY,
    user_id   bigint UNIQUE REFERENCES orgs.users (id) ON DELETE CASCADE,
    org_id    bigint UNIQUE REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    CHECK (pg_catalog.num_nonnulls(user_id, org_id) OPERATOR(pg_catalog.=) 1)
);
COMMENT ON TABLE orgs.owner_names IS
    'The shared namespace of user handles and org IDs (lower-cased); maintained by triggers.';
COMMENT ON COLUMN orgs.owner_names.name_key IS 'lower(handle) or lower(org_id).';
COMMENT ON COLUMN orgs.owner_names.user_id IS 'The user holding the name, if a user.';
COMMENT ON COLUMN orgs.owner_names.org_id IS 'The organization holding the name, if an organization.';

CREATE TABLE orgs.members (
    org_id     bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES orgs.users (id) ON DELETE CASCADE,
    role       orgs.org_role NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX members_user_id_idx ON orgs.members (user_id);
COMMENT ON TABLE orgs.members IS 'Memberships: one role per user per org; a user may belong to any number of orgs.';
COMMENT ON COLUMN orgs.members.org_id IS 'The organization.';
COMMENT ON COLUMN orgs.members.user_id IS 'The member.';
COMMENT ON COLUMN orgs.members.role IS 'The member''s role in this org.';
COMMENT ON COLUMN orgs.members.created_at IS 'When the user joined.';

--------------------------------------------------------------------------
-- Apps and teams
--------------------------------------------------------------------------

CREATE TABLE orgs.apps (
    id            bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.apps_id_seq'),
    org_id        bigint REFERENCES orgs.organizations (id),
    owner_user_id bigint REFERENCES orgs.users (id) ON DELETE CASCADE,
    app_id        orgs.identifier NOT NULL,
    app_key       text COLLATE "C" NOT NULL
                  GENERATED ALWAYS AS (pg_catalog.lower(app_id::text)) STORED,
    description   text,
    notes         text,
    visibility    text NOT NULL DEFAULT 'private'
                  CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'public'])),
    created_by    bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT apps_one_owner
        CHECK (pg_catalog.num_nonnulls(org_id, owner_user_id) OPERATOR(pg_catalog.=) 1),
    CONSTRAINT apps_org_id_id_key UNIQUE (org_id, id)
);
ALTER SEQUENCE orgs.apps_id_seq OWNED BY orgs.apps.id;
CREATE UNIQUE INDEX apps_org_app_key ON orgs.apps (org_id, app_key)
    WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX apps_user_app_key ON orgs.apps (owner_user_id, app_key)
    WHERE owner_user_id IS NOT NULL;
COMMENT ON TABLE orgs.apps IS 'Apps, owned by a user (personal) or by an organization.';
COMMENT ON COLUMN orgs.apps.id IS 'The app''s key, stored by application tables.';
COMMENT ON COLUMN orgs.apps.org_id IS 'The owning organization (NULL for a personal app).';
COMMENT ON COLUMN orgs.apps.owner_user_id IS 'The owning user (NULL for an org app).';
COMMENT ON COLUMN orgs.apps.app_id IS 'The app''s ID, unique without regard to case within its owner.';
COMMENT ON COLUMN orgs.apps.app_key IS 'lower(app_id).';
COMMENT ON COLUMN orgs.apps.description IS 'App description (app.edit_description).';
COMMENT ON COLUMN orgs.apps.notes IS 'App notes (app.edit_notes).';
COMMENT ON COLUMN orgs.apps.visibility IS 'private or public (app.visibility).';
COMMENT ON COLUMN orgs.apps.created_by IS 'The user who created the app.';
COMMENT ON COLUMN orgs.apps.created_at IS 'When the app was created.';

CREATE TABLE orgs.teams (
    id                 bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.teams_id_seq'),
    org_id             bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    team_id            orgs.identifier NOT NULL,
    team_key           text COLLATE "C" NOT NULL
                       GENERATED ALWAYS AS (pg_catalog.lower(team_id::text)) STORED,
    name               text NOT NULL
                       CHECK (pg_catalog.length(pg_catalog.btrim(name)) BETWEEN 1 AND 200),
    default_permission orgs.team_permission NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT teams_org_id_id_key UNIQUE (org_id, id)
);
ALTER SEQUENCE orgs.teams_id_seq OWNED BY orgs.teams.id;
CREATE UNIQUE INDEX teams_org_team_key ON orgs.teams (org_id, team_key);
COMMENT ON TABLE orgs.teams IS 'Teams of org members, holding apps at a permission level.';
COMMENT ON COLUMN orgs.teams.id IS 'The team''s key.';
COMMENT ON COLUMN orgs.teams.org_id IS 'The organization the team belongs to.';
COMMENT ON COLUMN orgs.teams.team_id IS 'The team''s ID, unique without regard to case within its org.';
COMMENT ON COLUMN orgs.teams.team_key IS 'lower(team_id).';
COMMENT ON COLUMN orgs.teams.name IS 'Display name.';
COMMENT ON COLUMN orgs.teams.default_permission IS 'Level used when an app is added without one.';
COMMENT ON COLUMN orgs.teams.created_at IS 'When the team was created.';

CREATE TABLE orgs.team_members (
    org_id     bigint NOT NULL,
    team_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, user_id),
    CONSTRAINT team_members_team_fkey FOREIGN KEY (org_id, team_id)
        REFERENCES orgs.teams (org_id, id) ON DELETE CASCADE,
    CONSTRAINT team_members_member_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES orgs.members (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_members_user_id_idx ON orgs.team_members (user_id);
CREATE INDEX team_members_org_user_idx ON orgs.team_members (org_id, user_id);
COMMENT ON TABLE orgs.team_members IS 'Team memberships; a team member is always a member of the team''s org.';
COMMENT ON COLUMN orgs.team_members.org_id IS 'The team''s organization (part of both foreign keys).';
COMMENT ON COLUMN orgs.team_members.team_id IS 'The team (orgs.teams.id).';
COMMENT ON COLUMN orgs.team_members.user_id IS 'The member.';
COMMENT ON COLUMN orgs.team_members.created_at IS 'When the member joined the team.';

CREATE TABLE orgs.team_apps (
    org_id     bigint NOT NULL,
    team_id    bigint NOT NULL,
    app_id     bigint NOT NULL,
    permission orgs.team_permission NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (team_id, app_id),
    CONSTRAINT team_apps_team_fkey FOREIGN KEY (org_id, team_id)
        REFERENCES orgs.teams (org_id, id) ON DELETE CASCADE,
    CONSTRAINT team_apps_app_fkey FOREIGN KEY (org_id, app_id)
        REFERENCES orgs.apps (org_id, id) ON DELETE CASCADE
);
CREATE INDEX team_apps_app_id_idx ON orgs.team_apps (app_id);
COMMENT ON TABLE orgs.team_apps IS 'The level at which a team holds an app; the app is always owned by the team''s org.';
COMMENT ON COLUMN orgs.team_apps.org_id IS 'The team''s organization, which owns the app (part of both foreign keys).';
COMMENT ON COLUMN orgs.team_apps.team_id IS 'The team (orgs.teams.id).';
COMMENT ON COLUMN orgs.team_apps.app_id IS 'The app (orgs.apps.id).';
COMMENT ON COLUMN orgs.team_apps.permission IS 'The team''s permission level on the app.';
COMMENT ON COLUMN orgs.team_apps.created_at IS 'When the app was added to the team.';

--------------------------------------------------------------------------
-- Invitations, audit log, notifications
--------------------------------------------------------------------------

CREATE TABLE orgs.invitations (
    id          bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.invitations_id_seq'),
    org_id      bigint NOT NULL REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    email       orgs.email NOT NULL,
    role        orgs.org_role NOT NULL,
    token_hash  bytea NOT NULL
                CHECK (pg_catalog.length(token_hash) OPERATOR(pg_catalog.=) 32),
    state       orgs.invitation_state NOT NULL DEFAULT 'pending',
    invited_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at  timestamptz NOT NULL,
    decided_at  timestamptz,
    decided_by  bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    CONSTRAINT invitations_expiry_range
        CHECK (expires_at OPERATOR(pg_catalog.>) created_at
               AND expires_at OPERATOR(pg_catalog.<=) (created_at OPERATOR(pg_catalog.+) '30 days'::interval)),
    CONSTRAINT invitations_decided_iff_not_pending
        CHECK ((state OPERATOR(pg_catalog.=) 'pending') OPERATOR(pg_catalog.=) (decided_at IS NULL))
);
ALTER SEQUENCE orgs.invitations_id_seq OWNED BY orgs.invitations.id;
CREATE UNIQUE INDEX invitations_token_hash_key ON orgs.invitations (token_hash);
CREATE UNIQUE INDEX invitations_one_pending ON orgs.invitations (org_id, email)
    WHERE state OPERATOR(pg_catalog.=) 'pending';
CREATE INDEX invitations_email_idx ON orgs.invitations (email);
COMMENT ON TABLE orgs.invitations IS 'E-mail invitations to join an organization with a role.';
COMMENT ON COLUMN orgs.invitations.id IS 'The invitation''s key.';
COMMENT ON COLUMN orgs.invitations.org_id IS 'The inviting organization.';
COMMENT ON COLUMN orgs.invitations.email IS 'The invitee''s e-mail address.';
COMMENT ON COLUMN orgs.invitations.role IS 'The role the invitee gets on accepting.';
COMMENT ON COLUMN orgs.invitations.token_hash IS 'SHA-256 of the token; the token itself is never stored.';
COMMENT ON COLUMN orgs.invitations.state IS 'pending, accepted, declined, rescinded or expired.';
COMMENT ON COLUMN orgs.invitations.invited_by IS 'The user who sent the invitation.';
COMMENT ON COLUMN orgs.invitations.created_at IS 'When the invitation was sent.';
COMMENT ON COLUMN orgs.invitations.expires_at IS 'After this the invitation can no longer be accepted.';
COMMENT ON COLUMN orgs.invitations.decided_at IS 'When the invitation left pending.';
COMMENT ON COLUMN orgs.invitations.decided_by IS 'Who took it out of pending (invitee or rescinder).';

CREATE TABLE orgs.audit_log (
    id           bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.audit_log_id_seq'),
    org_id       bigint,
    at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
    actor_id     bigint,
    actor_handle text,
    event_code   integer NOT NULL,
    event        text NOT NULL,
    target       text,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    success      boolean NOT NULL DEFAULT true
);
ALTER SEQUENCE orgs.audit_log_id_seq OWNED BY orgs.audit_log.id;
CREATE INDEX audit_log_org_at_idx ON orgs.audit_log (org_id, at);
COMMENT ON TABLE orgs.audit_log IS 'Append-only log of organization events (codes in README.md).';
COMMENT ON COLUMN orgs.audit_log.id IS 'The entry''s key, in order of insertion.';
COMMENT ON COLUMN orgs.audit_log.org_id IS 'The organization (kept after the org is deleted, no foreign key).';
COMMENT ON COLUMN orgs.audit_log.at IS 'When (transaction time).';
COMMENT ON COLUMN orgs.audit_log.actor_id IS 'The acting user''s key.';
COMMENT ON COLUMN orgs.audit_log.actor_handle IS 'The acting user''s handle at the time.';
COMMENT ON COLUMN orgs.audit_log.event_code IS 'Event code: 100-113 from the product documentation, 200+ org and app events.';
COMMENT ON COLUMN orgs.audit_log.event IS 'Event name.';
COMMENT ON COLUMN orgs.audit_log.target IS 'What the event acted on.';
COMMENT ON COLUMN orgs.audit_log.details IS 'Event details.';
COMMENT ON COLUMN orgs.audit_log.success IS 'Whether the action succeeded.';

CREATE TABLE orgs.notifications (
    id         bigint PRIMARY KEY DEFAULT pg_catalog.nextval('orgs.notifications_id_seq'),
    user_id    bigint REFERENCES orgs.users (id) ON DELETE CASCADE,
    email      orgs.email,
    org_id     bigint REFERENCES orgs.organizations (id) ON DELETE CASCADE,
    event      text NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    read_at    timestamptz,
    CHECK (pg_catalog.num_nonnulls(user_id, email) OPERATOR(pg_catalog.>=) 1)
);
ALTER SEQUENCE orgs.notifications_id_seq OWNED BY orgs.notifications.id;
CREATE INDEX notifications_user_id_idx ON orgs.notifications (user_id);
CREATE INDEX notifications_email_idx ON orgs.notifications (email);
COMMENT ON TABLE orgs.notifications IS 'In-platform notifications (the notification bar), read by their addressee.';
COMMENT ON COLUMN orgs.notifications.id IS 'The notification''s key.';
COMMENT ON COLUMN orgs.notifications.user_id IS 'The addressee, if registered.';
COMMENT ON COLUMN orgs.notifications.email IS 'The addressee''s e-mail (an invitee may not have an account yet).';
COMMENT ON COLUMN orgs.notifications.org_id IS 'The organization concerned.';
COMMENT ON COLUMN orgs.notifications.event IS 'What happened (invitation, invitation_accepted, ...).';
COMMENT ON COLUMN orgs.notifications.payload IS 'Event data (ids; never a token).';
COMMENT ON COLUMN orgs.notifications.created_at IS 'When the notification was made.';
COMMENT ON COLUMN orgs.notifications.read_at IS 'When the addressee marked it read.';

--------------------------------------------------------------------------
-- The permission matrix (PERMISSIONS.md), as data read by the C engine
--------------------------------------------------------------------------

CREATE TABLE orgs.permissions (
    scope       orgs.permission_scope NOT NULL,
    name        text COLLATE "C" NOT NULL
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z_]+\.[a-z_]+$'),
    description text NOT NULL,
    PRIMARY KEY (scope, name)
);
COMMENT ON TABLE orgs.permissions IS 'Every permission name with its scope (PERMISSIONS.md section 1).';
COMMENT ON COLUMN orgs.permissions.scope IS 'org (has_org_permission) or app (has_app_permission).';
COMMENT ON COLUMN orgs.permissions.name IS 'resource.action';
COMMENT ON COLUMN orgs.permissions.description IS 'What it allows.';

CREATE TABLE orgs.role_org_permissions (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'org'
               CHECK (scope OPERATOR(pg_catalog.=) 'org'),
    permission text COLLATE "C" NOT NULL,
    PRIMARY KEY (role, permission),
    FOREIGN KEY (scope, permission) REFERENCES orgs.permissions (scope, name)
);
COMMENT ON TABLE orgs.role_org_permissions IS 'Org-level permissions granted by each role.';
COMMENT ON COLUMN orgs.role_org_permissions.role IS 'The org role.';
COMMENT ON COLUMN orgs.role_org_permissions.scope IS 'Always org.';
COMMENT ON COLUMN orgs.role_org_permissions.permission IS 'The org-level permission granted.';

CREATE TABLE orgs.role_app_baseline (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    PRIMARY KEY (role, permission),
    FOREIGN KEY (scope, permission) REFERENCES orgs.permissions (scope, name)
);
COMMENT ON TABLE orgs.role_app_baseline IS 'B(role): app-level permissions a role holds on every app its org owns.';
COMMENT ON COLUMN orgs.role_app_baseline.role IS 'The org role.';
COMMENT ON COLUMN orgs.role_app_baseline.scope IS 'Always app.';
COMMENT ON COLUMN orgs.role_app_baseline.permission IS 'The app-level permission.';

CREATE TABLE orgs.role_app_ceiling (
    role       orgs.org_role NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    PRIMARY KEY (role, permission),
    FOREIGN KEY (scope, permission) REFERENCES orgs.permissions (scope, name)
);
COMMENT ON TABLE orgs.role_app_ceiling IS 'C(role): the most a team grant can give a member of this role.';
COMMENT ON COLUMN orgs.role_app_ceiling.role IS 'The org role.';
COMMENT ON COLUMN orgs.role_app_ceiling.scope IS 'Always app.';
COMMENT ON COLUMN orgs.role_app_ceiling.permission IS 'The app-level permission.';

CREATE TABLE orgs.team_level_permissions (
    level      orgs.team_permission NOT NULL,
    scope      orgs.permission_scope NOT NULL DEFAULT 'app'
               CHECK (scope OPERATOR(pg_catalog.=) 'app'),
    permission text COLLATE "C" NOT NULL,
    PRIMARY KEY (level, permission),
    FOREIGN KEY (scope, permission) REFERENCES orgs.permissions (scope, name)
);
COMMENT ON TABLE orgs.team_level_permissions IS 'L(level): app-level permissions of each team level.';
COMMENT ON COLUMN orgs.team_level_permissions.level IS 'The team permission level.';
COMMENT ON COLUMN orgs.team_level_permissions.scope IS 'Always app.';
COMMENT ON COLUMN orgs.team_level_permissions.permission IS 'The app-level permission.';

CREATE TABLE orgs.org_permissions_from_app (
    org_scope      orgs.permission_scope NOT NULL DEFAULT 'org'
                   CHECK (org_scope OPERATOR(pg_catalog.=) 'org'),
    org_permission text COLLATE "C" NOT NULL,
    app_scope      orgs.permission_scope NOT NULL DEFAULT 'app'
                   CHECK (app_scope OPERATOR(pg_catalog.=) 'app'),
    app_permission text COLLATE "C" NOT NULL,
    PRIMARY KEY (org_permission, app_permission),
    FOREIGN KEY (org_scope, org_permission) REFERENCES orgs.permissions (scope, name),
    FOREIGN KEY (app_scope, app_permission) REFERENCES orgs.permissions (scope, name)
);
COMMENT ON TABLE orgs.org_permissions_from_app IS
    'An org-level permission also held by a member who holds this app-level permission on any app of the org.';
COMMENT ON COLUMN orgs.org_permissions_from_app.org_scope IS 'Always org.';
COMMENT ON COLUMN orgs.org_permissions_from_app.org_permission IS 'The org-level permission implied.';
COMMENT ON COLUMN orgs.org_permissions_from_app.app_scope IS 'Always app.';
COMMENT ON COLUMN orgs.org_permissions_from_app.app_permission IS 'The app-level permission that implies it.';
--------------------------------------------------------------------------
-- The permission matrix of PERMISSIONS.md, installed as data.
--------------------------------------------------------------------------

INSERT INTO orgs.permissions (scope, name, description) VALUES
    ('org', 'org.view', 'See the organization and its profile.'),
    ('org', 'org.edit', 'Change the organization''s name, billing e-mail and settings.'),
    ('org', 'org.delete', 'Delete the organization.'),
    ('org', 'members.view', 'List the organization''s members and their roles.'),
    ('org', 'members.manage', 'Invite, re-role and remove members; see and rescind invitations.'),
    ('org', 'teams.view', 'List teams, their members and their apps.'),
    ('org', 'teams.manage', 'Create, rename and delete teams.'),
    ('org', 'teams.manage_members', 'Add and remove team members.'),
    ('org', 'teams.manage_apps', 'Add, re-permission and remove team apps.'),
    ('org', 'apps.create', 'Create apps in the org and transfer apps into it.'),
    ('org', 'clusters.view', 'See compute clusters and nodepools.'),
    ('org', 'clusters.manage', 'Create, edit and delete clusters and nodepools.'),
    ('org', 'billing.view', 'See financial data.'),
    ('org', 'control_center.overview', 'Control Center tab "Overview".'),
    ('org', 'control_center.usage', 'Control Center tab "Usage & Operations".'),
    ('org', 'control_center.costs', 'Control Center tab "Costs & Budget", including budget settings.'),
    ('org', 'audit.view', 'Read the organization''s audit log.'),
    ('app', 'app.view', 'Open the app and browse it.'),
    ('app', 'app.edit_id', 'Change the app''s ID.'),
    ('app', 'app.edit_description', 'Edit the app description.'),
    ('app', 'app.edit_notes', 'Edit the app notes.'),
    ('app', 'app.delete', 'Delete the app.'),
    ('app', 'app.visibility', 'Change the app''s visibility.'),
    ('app', 'app.transfer', 'Transfer the app to another owner.'),
    ('app', 'collaborators.view', 'View the app''s collaborators.'),
    ('app', 'collaborators.edit', 'Edit the app''s collaborators.'),
    ('app', 'resources.visibility', 'Change visibility of the app''s resources.'),
    ('app', 'base_workflow.view', 'View the app''s base workflow.'),
    ('app', 'base_workflow.edit', 'Edit the app''s base workflow.'),
    ('app', 'workflows.view', 'View workflows.'),
    ('app', 'workflows.create', 'Create workflows.'),
    ('app', 'workflows.edit', 'Edit workflows.'),
    ('app', 'workflows.delete', 'Delete workflows.'),
    ('app', 'models.view', 'View models.'),
    ('app', 'models.create', 'Create models.'),
    ('app', 'models.edit', 'Edit models.'),
    ('app', 'models.delete', 'Delete models.'),
    ('app', 'models.train', 'Train models.'),
    ('app', 'models.metrics', 'See model metrics and performance data.'),
    ('app', 'inputs.view', 'View inputs (the data).'),
    ('app', 'inputs.create', 'Create inputs.'),
    ('app', 'inputs.edit', 'Edit inputs.'),
    ('app', 'inputs.delete', 'Delete inputs.'),
    ('app', 'datasets.view', 'View datasets.'),
    ('app', 'datasets.create', 'Create datasets.'),
    ('app', 'datasets.edit', 'Edit datasets.'),
    ('app', 'datasets.delete', 'Delete datasets.'),
    ('app', 'concepts.view', 'View concepts.'),
    ('app', 'concepts.create', 'Create concepts.'),
    ('app', 'concepts.edit', 'Edit concepts.'),
    ('app', 'concepts.delete', 'Delete concepts.'),
    ('app', 'annotations.view', 'View annotations.'),
    ('app', 'annotations.create', 'Create annotations.'),
    ('app', 'annotations.edit', 'Edit annotations.'),
    ('app', 'annotations.delete', 'Delete annotations.'),
    ('app', 'annotations.review', 'Review annotations.'),
    ('app', 'annotations.feedback', 'Give feedback on annotations.'),
    ('app', 'tasks.view', 'Monitor all labeling tasks and their progress.'),
    ('app', 'tasks.create', 'Create labeling tasks.'),
    ('app', 'tasks.edit', 'Edit labeling tasks.'),
    ('app', 'tasks.delete', 'Delete labeling tasks.'),
    ('app', 'tasks.assign', 'Assign labeling tasks.'),
    ('app', 'tasks.analytics', 'See task analytics.'),
    ('app', 'tasks.work', 'Work on the tasks assigned to me (row scope enforced by policy).'),
    ('app', 'team_members.view', 'See the first and last names of the members of one''s teams.'),
    ('app', 'modules.use', 'Use modules.'),
    ('app', 'modules.create', 'Create modules.'),
    ('app', 'modules.delete', 'Delete modules.'),
    ('app', 'modules.install', 'Install and uninstall modules.'),
    ('app', 'deployments.view', 'See deployments of this app''s models in the org''s clusters.'),
    ('app', 'deployments.create', 'Deploy this app''s models into the org''s clusters.'),
    ('app', 'deployments.delete', 'Delete deployments of this app''s models.'),
    ('app', 'clusters.view', 'See the org''s clusters and nodepools while deploying this app''s models.');

-- Org-level permissions by role.
INSERT INTO orgs.role_org_permissions (role, permission)
SELECT 'admin'::orgs.org_role, name FROM orgs.permissions WHERE scope OPERATOR(pg_catalog.=) 'org'
UNION ALL
SELECT r::orgs.org_role, p FROM (VALUES
    ('financial_manager', 'org.view'), ('financial_manager', 'billing.view'),
    ('financial_manager', 'control_center.overview'),
    ('financial_manager', 'control_center.usage'),
    ('financial_manager', 'control_center.costs'),
    ('org_contributor', 'org.view'), ('org_contributor', 'members.view'),
    ('org_contributor', 'teams.view'), ('org_contributor', 'teams.manage'),
    ('org_contributor', 'teams.manage_members'), ('org_contributor', 'teams.manage_apps'),
    ('org_contributor', 'apps.create'), ('org_contributor', 'clusters.view'),
    ('org_user', 'org.view'), ('org_user', 'members.view'), ('org_user', 'teams.view'),
    ('org_user', 'clusters.view'),
    ('team_contributor', 'org.view'), ('team_contributor', 'members.view'),
    ('team_contributor', 'teams.view'),
    ('infrastructure_manager', 'org.view'), ('infrastructure_manager', 'clusters.view'),
    ('infrastructure_manager', 'clusters.manage')) AS g(r, p);

-- B(role): held on every app the org owns.
INSERT INTO orgs.role_app_baseline (role, permission)
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('admin'), ('org_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
UNION ALL
SELECT 'org_user'::orgs.org_role, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'collaborators.view', 'base_workflow.view', 'workflows.view',
    'models.view', 'models.metrics', 'inputs.view', 'datasets.view',
    'concepts.view', 'annotations.view', 'tasks.view', 'modules.use',
    'clusters.view']) AS p
UNION ALL
SELECT 'infrastructure_manager'::orgs.org_role, p FROM pg_catalog.unnest(ARRAY[
    'deployments.view', 'deployments.create', 'deployments.delete',
    'clusters.view']) AS p;

-- C(role): the most a team grant can give.
INSERT INTO orgs.role_app_ceiling (role, permission)
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('admin'), ('org_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
UNION ALL
SELECT r::orgs.org_role, name FROM orgs.permissions,
       (VALUES ('org_user'), ('team_contributor')) AS g(r)
 WHERE scope OPERATOR(pg_catalog.=) 'app'
   AND name OPERATOR(pg_catalog.<>) ALL (ARRAY[
       'app.edit_id', 'app.delete', 'app.visibility', 'app.transfer',
       'collaborators.edit', 'base_workflow.edit'])
UNION ALL
SELECT 'infrastructure_manager'::orgs.org_role, permission FROM orgs.role_app_baseline
 WHERE role OPERATOR(pg_catalog.=) 'infrastructure_manager';

-- L(level): what each team level grants.
INSERT INTO orgs.team_level_permissions (level, permission)
SELECT 'full_access'::orgs.team_permission, name FROM orgs.permissions WHERE scope OPERATOR(pg_catalog.=) 'app'
UNION ALL
SELECT 'model_trainer'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'models.view', 'models.create', 'models.edit', 'models.delete',
    'models.train', 'models.metrics', 'inputs.view', 'concepts.view',
    'datasets.view', 'deployments.view', 'deployments.create',
    'deployments.delete', 'clusters.view']) AS p
UNION ALL
SELECT 'labeler_worker'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY['app.view', 'tasks.work']) AS p
UNION ALL
SELECT 'labeler_lead'::orgs.team_permission, p FROM pg_catalog.unnest(ARRAY[
    'app.view', 'tasks.work',
    'tasks.view', 'tasks.create', 'tasks.edit', 'tasks.assign', 'tasks.analytics',
    'team_members.view', 'annotations.view', 'annotations.review',
    'annotations.feedback', 'concepts.view', 'concepts.create', 'concepts.edit',
    'concepts.delete', 'inputs.view', 'datasets.view']) AS p;

-- The clusters.view decision of PERMISSIONS.md section 4.
INSERT INTO orgs.org_permissions_from_app (org_permission, app_permission)
VALUES ('clusters.view', 'clusters.view');
--------------------------------------------------------------------------
-- Who is acting (src/acting.c), accounts, tokens
--------------------------------------------------------------------------

CREATE FUNCTION orgs.act_as(handle text, is_local boolean DEFAULT true)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'orgs_act_as';
COMMENT ON FUNCTION orgs.act_as(text, boolean) IS
    'Set the acting user (NULL clears it); is_local keeps it to the current transaction. Only this function can change the acting user.';
REVOKE ALL ON FUNCTION orgs.act_as(text, boolean) FROM PUBLIC;

CREATE FUNCTION orgs.current_user_id()
RETURNS bigint
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_current_user_id';
COMMENT ON FUNCTION orgs.current_user_id() IS
    'The acting user''s key, else the user linked to current_user, else NULL.';

CREATE FUNCTION orgs.current_user_handle()
RETURNS text
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_current_user_handle';
COMMENT ON FUNCTION orgs.current_user_handle() IS
    'The acting user''s handle, else the handle of the user linked to current_user, else NULL.';

CREATE FUNCTION orgs.generate_token()
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_generate_token';
COMMENT ON FUNCTION orgs.generate_token() IS
    'A new invitation token: 32 bytes from the strong random source, base64url (43 characters).';
REVOKE ALL ON FUNCTION orgs.generate_token() FROM PUBLIC;

CREATE FUNCTION orgs.hash_token(token text)
RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_hash_token';
COMMENT ON FUNCTION orgs.hash_token(text) IS 'SHA-256 of a token: what orgs.invitations stores.';

CREATE FUNCTION orgs.normalize_email(email text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.lower(pg_catalog.btrim(email));
COMMENT ON FUNCTION orgs.normalize_email(text) IS 'An e-mail address trimmed and lower-cased, as stored.';

-- Raise 22023 unless value is a valid identifier of the given kind.
CREATE FUNCTION orgs.check_identifier(kind text, value text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION '% cannot be null', kind
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF value !~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' THEN
        RAISE EXCEPTION 'invalid %: "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An identifier has 1 to 64 characters: letters, digits, "_" and "-", starting with a letter or digit.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.check_identifier(text, text) IS
    'Raise invalid_parameter_value unless value is a valid handle, org ID, team ID or app ID.';

CREATE FUNCTION orgs.register_user(handle text, email text,
                                   first_name text DEFAULT NULL,
                                   last_name text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_email text := orgs.normalize_email(email);
    v_id bigint;
BEGIN
    PERFORM orgs.check_identifier('handle', handle);
    IF v_email IS NULL OR v_email !~ '^[^@[:space:]]+@[^@[:space:]]+$' OR length(v_email) > 254 THEN
        RAISE EXCEPTION 'invalid e-mail address: "%"', email
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(handle) AND n.user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'user "%" already exists', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles are compared without regard to case.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(handle)) THEN
        RAISE EXCEPTION 'handle "%" is already taken', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.users u WHERE u.email = v_email) THEN
        RAISE EXCEPTION 'a user with e-mail address "%" already exists', v_email
            USING ERRCODE = 'duplicate_object';
    END IF;
    BEGIN
        INSERT INTO orgs.users (handle, email, first_name, last_name)
        VALUES (handle, v_email, first_name, last_name)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'user "%" already exists', handle
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A concurrent registration took the handle or the e-mail address.';
    END;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.register_user(text, text, text, text) IS
    'Register an account (called by the application''s trusted role once it has verified the e-mail address).';
REVOKE ALL ON FUNCTION orgs.register_user(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION orgs.link_db_role(handle text, role regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF role IS NOT NULL THEN
        UPDATE orgs.users u SET db_role = NULL
         WHERE u.db_role = role AND u.handle_key <> lower(link_db_role.handle);
    END IF;
    UPDATE orgs.users u SET db_role = role WHERE u.handle_key = lower(link_db_role.handle);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" does not exist', handle
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.link_db_role(text, regrole) IS
    'Let a database role act as this user without act_as (NULL unlinks); a role is linked to at most one user.';
REVOKE ALL ON FUNCTION orgs.link_db_role(text, regrole) FROM PUBLIC;
--------------------------------------------------------------------------
-- Invariants enforced by the database (PERMISSIONS.md section 5)
--------------------------------------------------------------------------

-- The shared namespace of handles and org IDs.
CREATE FUNCTION orgs.trg_owner_names()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text;
    v_kind text := CASE TG_TABLE_NAME WHEN 'users' THEN 'handle' ELSE 'organization ID' END;
    v_name text;
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        v_key := NEW.handle_key; v_name := NEW.handle;
    ELSE
        v_key := NEW.org_key; v_name := NEW.org_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF TG_TABLE_NAME = 'users' THEN
            IF OLD.handle_key = v_key THEN
                RETURN NULL;
            END IF;
            DELETE FROM orgs.owner_names WHERE user_id = OLD.id;
        ELSE
            IF OLD.org_key = v_key THEN
                RETURN NULL;
            END IF;
            DELETE FROM orgs.owner_names WHERE org_id = OLD.id;
        END IF;
    END IF;
    BEGIN
        IF TG_TABLE_NAME = 'users' THEN
            INSERT INTO orgs.owner_names (name_key, user_id) VALUES (v_key, NEW.id);
        ELSE
            INSERT INTO orgs.owner_names (name_key, org_id) VALUES (v_key, NEW.id);
        END IF;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION '% "%" is already taken', v_kind, v_name
            USING ERRCODE = 'unique_violation',
                  CONSTRAINT = 'owner_names_pkey',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs.trg_owner_names() IS
    'Keeps orgs.owner_names, the shared case-insensitive namespace of handles and org IDs.';

CREATE TRIGGER owner_names_sync AFTER INSERT OR UPDATE OF handle ON orgs.users
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_owner_names();
COMMENT ON TRIGGER owner_names_sync ON orgs.users IS 'Claims the handle in the shared namespace orgs.owner_names.';
CREATE TRIGGER owner_names_sync AFTER INSERT OR UPDATE OF org_id ON orgs.organizations
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_owner_names();
COMMENT ON TRIGGER owner_names_sync ON orgs.organizations IS 'Claims the org ID in the shared namespace orgs.owner_names.';

-- Invariant 1: every org has at least one admin.  The org row is updated
-- (admin_epoch) before the check, so two concurrent demotions serialize on
-- it: under READ COMMITTED the second waits and then sees the first; under
-- REPEATABLE READ it fails with a serialization error.
CREATE FUNCTION orgs.trg_last_admin()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_org text;
BEGIN
    IF OLD.role <> 'admin' OR (TG_OP = 'UPDATE' AND NEW.role = 'admin' AND NEW.org_id = OLD.org_id) THEN
        RETURN NULL;
    END IF;
    UPDATE orgs.organizations o SET admin_epoch = o.admin_epoch + 1
     WHERE o.id = OLD.org_id
     RETURNING o.org_id INTO v_org;
    IF NOT FOUND THEN
        RETURN NULL;            -- the organization itself is being deleted
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs.members m
                    WHERE m.org_id = OLD.org_id AND m.role = 'admin') THEN
        RAISE EXCEPTION 'organization "%" must keep at least one admin', v_org
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Make another member an admin first.';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION orgs.trg_last_admin() IS
    'Refuses a change that would leave an organization without an admin.';

CREATE TRIGGER last_admin AFTER UPDATE OR DELETE ON orgs.members
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_last_admin();
COMMENT ON TRIGGER last_admin ON orgs.members IS 'Invariant 1: every organization keeps at least one admin.';

-- Invariant 3: an app that leaves an org leaves its teams.
CREATE FUNCTION orgs.trg_app_owner_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.org_id IS NOT NULL AND NEW.org_id IS DISTINCT FROM OLD.org_id THEN
        DELETE FROM orgs.team_apps t WHERE t.app_id = OLD.id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs.trg_app_owner_change() IS
    'Removes an app''s team grants when it leaves its organization.';

CREATE TRIGGER app_owner_change BEFORE UPDATE OF org_id ON orgs.apps
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_app_owner_change();
COMMENT ON TRIGGER app_owner_change ON orgs.apps IS 'Invariant 3: an app leaving its organization loses its team grants.';

-- Invariant 4: an invitation leaves pending at most once, and its identity
-- (org, e-mail, token) never changes.
CREATE FUNCTION orgs.trg_invitation_state()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.org_id <> OLD.org_id OR NEW.email <> OLD.email
       OR NEW.token_hash <> OLD.token_hash OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'cannot change the organization, e-mail address, token or creation time of invitation %', OLD.id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF OLD.state <> 'pending' AND (NEW.state <> OLD.state OR NEW.role <> OLD.role
                                   OR NEW.expires_at <> OLD.expires_at
                                   OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
                                   OR NEW.decided_by IS DISTINCT FROM OLD.decided_by
                                   OR NEW.invited_by IS DISTINCT FROM OLD.invited_by) THEN
        RAISE EXCEPTION 'invitation % is already %', OLD.id, OLD.state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An invitation leaves pending at most once.';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION orgs.trg_invitation_state() IS
    'The invitation state machine: pending to accepted, declined, rescinded or expired, once.';

CREATE TRIGGER invitation_state BEFORE UPDATE ON orgs.invitations
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_invitation_state();
COMMENT ON TRIGGER invitation_state ON orgs.invitations IS 'Invariant 4: an invitation leaves pending at most once.';

-- The audit log is append-only for everyone but the extension's owner.
CREATE FUNCTION orgs.trg_audit_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension e
                    WHERE e.extname = 'pg_orgs'
                      AND pg_has_role(current_user, e.extowner, 'USAGE')) THEN
        RAISE EXCEPTION 'the audit log is append-only'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only the owner of extension pg_orgs can change or delete audit entries.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION orgs.trg_audit_append_only() IS
    'Refuses UPDATE, DELETE and TRUNCATE of orgs.audit_log except by the extension owner.';

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON orgs.audit_log
    FOR EACH ROW EXECUTE FUNCTION orgs.trg_audit_append_only();
COMMENT ON TRIGGER audit_append_only ON orgs.audit_log IS 'The audit log is append-only.';
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON orgs.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.trg_audit_append_only();
COMMENT ON TRIGGER audit_append_only_truncate ON orgs.audit_log IS 'The audit log cannot be truncated.';
--------------------------------------------------------------------------
-- The permission engine (src/check.c, src/cache.c)
--------------------------------------------------------------------------

CREATE FUNCTION orgs.has_app_permission(app bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_id';
COMMENT ON FUNCTION orgs.has_app_permission(bigint, text) IS
    'Does the acting user hold any of the comma-separated app-level permissions on the app? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_app_permission(app text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_name';
COMMENT ON FUNCTION orgs.has_app_permission(text, text) IS
    'Does the acting user hold any of the comma-separated app-level permissions on the app? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_app_permission(user_id bigint, app bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_id_id';
COMMENT ON FUNCTION orgs.has_app_permission(bigint, bigint, text) IS
    'Does the given user hold any of the comma-separated app-level permissions on the app? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_app_permission(user_handle text, app text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_has_app_permission_name_name';
COMMENT ON FUNCTION orgs.has_app_permission(text, text, text) IS
    'Does the given user hold any of the comma-separated app-level permissions on the app? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_org_permission(org bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_id';
COMMENT ON FUNCTION orgs.has_org_permission(bigint, text) IS
    'Does the acting user hold any of the comma-separated org-level permissions on the org? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_org_permission(org text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_name';
COMMENT ON FUNCTION orgs.has_org_permission(text, text) IS
    'Does the acting user hold any of the comma-separated org-level permissions on the org? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_org_permission(user_id bigint, org bigint, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_id_id';
COMMENT ON FUNCTION orgs.has_org_permission(bigint, bigint, text) IS
    'Does the given user hold any of the comma-separated org-level permissions on the org? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.has_org_permission(user_handle text, org text, permission text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_has_org_permission_name_name';
COMMENT ON FUNCTION orgs.has_org_permission(text, text, text) IS
    'Does the given user hold any of the comma-separated org-level permissions on the org? NULL for a key that matches nothing.';

CREATE FUNCTION orgs.app_permissions(user_handle text, app text)
RETURNS text[]
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 10
AS 'MODULE_PATHNAME', 'orgs_app_permissions';
COMMENT ON FUNCTION orgs.app_permissions(text, text) IS
    'The effective app-level permission set of a user on an app, sorted.';

CREATE FUNCTION orgs.apps_with_permission(permission text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 100
AS 'MODULE_PATHNAME', 'orgs_apps_with_permission';
COMMENT ON FUNCTION orgs.apps_with_permission(text) IS
    'Sorted keys of the apps on which the acting user holds any of the listed permissions (the set-based policy form).';

CREATE FUNCTION orgs.orgs_with_permission(permission text)
RETURNS bigint[]
LANGUAGE c STABLE STRICT PARALLEL RESTRICTED COST 20
AS 'MODULE_PATHNAME', 'orgs_orgs_with_permission';
COMMENT ON FUNCTION orgs.orgs_with_permission(text) IS
    'Sorted keys of the orgs in which the acting user holds any of the listed org-level permissions.';

CREATE FUNCTION orgs.lookup_app(app text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_app';
COMMENT ON FUNCTION orgs.lookup_app(text) IS 'Internal: the key of app ''owner/app_id'', or NULL.';
REVOKE ALL ON FUNCTION orgs.lookup_app(text) FROM PUBLIC;

CREATE FUNCTION orgs.lookup_org(org_id text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_org';
COMMENT ON FUNCTION orgs.lookup_org(text) IS 'Internal: the key of an organization by its org ID, or NULL.';
REVOKE ALL ON FUNCTION orgs.lookup_org(text) FROM PUBLIC;

CREATE FUNCTION orgs.lookup_user(handle text)
RETURNS bigint
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 5
AS 'MODULE_PATHNAME', 'orgs_lookup_user';
COMMENT ON FUNCTION orgs.lookup_user(text) IS 'Internal: the key of a user by handle, or NULL.';
REVOKE ALL ON FUNCTION orgs.lookup_user(text) FROM PUBLIC;

CREATE FUNCTION orgs.caller_is_superuser()
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'orgs_caller_is_superuser';
COMMENT ON FUNCTION orgs.caller_is_superuser() IS
    'Whether the role outside any SECURITY DEFINER function is a superuser.';

CREATE FUNCTION orgs.cache_stats(OUT generation bigint, OUT users bigint, OUT bytes bigint)
RETURNS record
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'orgs_cache_stats';
COMMENT ON FUNCTION orgs.cache_stats() IS
    'This backend''s permission cache: invalidation generation, users cached, bytes held.';

CREATE FUNCTION orgs.invalidate_cache()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'orgs_invalidate_cache';
COMMENT ON FUNCTION orgs.invalidate_cache() IS
    'Trigger: queue a relcache invalidation so every backend drops its permission cache.';

CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.users
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.organizations
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.owner_names
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.members
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.apps
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.teams
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.team_members
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.team_apps
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.permissions
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.role_org_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.role_app_baseline
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.role_app_ceiling
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.team_level_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();
CREATE TRIGGER invalidate_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs.org_permissions_from_app
    FOR EACH STATEMENT EXECUTE FUNCTION orgs.invalidate_cache();

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_catalog.pg_trigger g
               JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) g.tgrelid
              WHERE g.tgname OPERATOR(pg_catalog.=) 'invalidate_cache'
    LOOP
        EXECUTE pg_catalog.format(
            'COMMENT ON TRIGGER invalidate_cache ON orgs.%I IS %L', t,
            'Drops every backend''s permission cache when this table changes.');
    END LOOP;
END;
$$;

-- Every path that grants, or the reasons for a denial, without access checks.
CREATE FUNCTION orgs.explain_internal(p_user bigint, p_app bigint, p_perm text)
RETURNS TABLE(granted boolean, via text, detail text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_app record;
    v_role orgs.org_role;
    v_handle text;
    v_owner text;
    v_in_base boolean;
    v_in_ceiling boolean;
    v_team record;
    v_any boolean := false;
BEGIN
    SELECT a.*, o.org_id AS org_name, u.handle AS owner_handle INTO v_app
      FROM orgs.apps a
      LEFT JOIN orgs.organizations o ON o.id = a.org_id
      LEFT JOIN orgs.users u ON u.id = a.owner_user_id
     WHERE a.id = p_app;
    SELECT u.handle INTO v_handle FROM orgs.users u WHERE u.id = p_user;

    IF v_app.owner_user_id IS NOT NULL THEN
        IF v_app.owner_user_id = p_user THEN
            RETURN QUERY SELECT true, 'owner'::text,
                format('user "%s" owns the personal app and holds every permission on it', v_handle);
        ELSE
            RETURN QUERY SELECT false, 'personal app'::text,
                format('the app is a personal app of user "%s"; personal apps are not shared', v_app.owner_handle);
        END IF;
        RETURN;
    END IF;

    SELECT m.role INTO v_role FROM orgs.members m
     WHERE m.org_id = v_app.org_id AND m.user_id = p_user;
    IF v_role IS NULL THEN
        RETURN QUERY SELECT false, 'not a member'::text,
            format('user "%s" is not a member of organization "%s"', v_handle, v_app.org_name);
        RETURN;
    END IF;

    v_in_base := EXISTS (SELECT 1 FROM orgs.role_app_baseline b
                          WHERE b.role = v_role AND b.permission = p_perm);
    v_in_ceiling := EXISTS (SELECT 1 FROM orgs.role_app_ceiling c
                             WHERE c.role = v_role AND c.permission = p_perm);
    IF v_in_base THEN
        v_any := true;
        RETURN QUERY SELECT true, format('role %s', v_role),
            format('role "%s" in organization "%s" grants "%s" on every app of the organization',
                   v_role, v_app.org_name, p_perm);
    END IF;

    FOR v_team IN
        SELECT t.team_id, ta.permission AS level,
               EXISTS (SELECT 1 FROM orgs.team_level_permissions l
                        WHERE l.level = ta.permission AND l.permission = p_perm) AS in_level
          FROM orgs.team_members tm
          JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
          JOIN orgs.teams t ON t.id = tm.team_id
         WHERE tm.user_id = p_user AND tm.org_id = v_app.org_id
         ORDER BY t.team_key
    LOOP
        IF NOT v_team.in_level THEN
            RETURN QUERY SELECT false, format('team %s (%s)', v_team.team_id, v_team.level),
                format('level "%s" of team "%s" does not include "%s"', v_team.level, v_team.team_id, p_perm);
        ELSIF NOT v_in_ceiling THEN
            RETURN QUERY SELECT false, format('team %s (%s)', v_team.team_id, v_team.level),
                format('capped by role: level "%s" of team "%s" includes "%s", but role "%s" caps team grants below it',
                       v_team.level, v_team.team_id, p_perm, v_role);
        ELSE
            v_any := true;
            RETURN QUERY SELECT true, format('team %s (%s)', v_team.team_id, v_team.level),
                format('team "%s" holds the app at level "%s", which includes "%s"', v_team.team_id, v_team.level, p_perm);
        END IF;
    END LOOP;

    IF NOT v_any AND NOT v_in_base THEN
        IF NOT EXISTS (SELECT 1 FROM orgs.team_members tm
                         JOIN orgs.team_apps ta ON ta.team_id = tm.team_id AND ta.app_id = p_app
                        WHERE tm.user_id = p_user) THEN
            RETURN QUERY SELECT false, 'no team'::text,
                format('role "%s" does not grant "%s" on every app, and no team of user "%s" holds the app',
                       v_role, p_perm, v_handle);
        END IF;
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.explain_internal(bigint, bigint, text) IS
    'Internal: the paths that grant or deny one app-level permission, without access checks.';
REVOKE ALL ON FUNCTION orgs.explain_internal(bigint, bigint, text) FROM PUBLIC;

-- Resolve an app name for a caller: NULL-free; an app the caller cannot see
-- is reported exactly as one that does not exist.
CREATE FUNCTION orgs.visible_app(app text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := orgs.lookup_app(app);
    v_caller bigint := orgs.current_user_id();
BEGIN
    IF v_id IS NULL
       OR (v_caller IS NULL AND NOT orgs.caller_is_superuser())
       OR (v_caller IS NOT NULL AND NOT orgs.has_app_permission(v_caller, v_id,
               (SELECT string_agg(p.name, ',') FROM orgs.permissions p WHERE p.scope = 'app'))) THEN
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.visible_app(text) IS
    'Internal: the key of an app the caller holds any permission on; otherwise the same error as for an app that does not exist.';
REVOKE ALL ON FUNCTION orgs.visible_app(text) FROM PUBLIC;

CREATE FUNCTION orgs.single_app_permission(permission text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := lower(btrim(permission));
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orgs.permissions p WHERE p.scope = 'app' AND p.name = v) THEN
        RAISE EXCEPTION 'unrecognized permission: "%"', v USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs.single_app_permission(text) IS
    'Internal: one app-level permission name, normalized; unrecognized names are an error.';

CREATE FUNCTION orgs.explain_app_permission(user_handle text, app text, permission text)
RETURNS TABLE(granted boolean, via text, detail text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs.single_app_permission(permission);
    v_app bigint := orgs.visible_app(app);
    v_user bigint := orgs.lookup_user(user_handle);
    v_caller bigint := orgs.current_user_id();
    v_org bigint;
    v_expected boolean;
    v_got boolean := false;
    r record;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'user "%" does not exist', user_handle USING ERRCODE = 'undefined_object';
    END IF;
    SELECT a.org_id INTO v_org FROM orgs.apps a WHERE a.id = v_app;
    IF v_caller IS NOT NULL AND v_caller <> v_user
       AND (v_org IS NULL OR NOT orgs.has_org_permission(v_caller, v_org, 'members.view')) THEN
        RAISE EXCEPTION 'permission denied to explain the permissions of user "%"', user_handle
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = CASE WHEN v_org IS NULL
                                THEN 'Only the owner of a personal app can explain permissions on it.'
                                ELSE 'Explaining another user''s permissions needs members.view in the app''s organization.' END;
    END IF;
    v_expected := orgs.has_app_permission(v_user, v_app, v_perm);
    FOR r IN SELECT * FROM orgs.explain_internal(v_user, v_app, v_perm) LOOP
        v_got := v_got OR r.granted;
        granted := r.granted; via := r.via; detail := r.detail;
        RETURN NEXT;
    END LOOP;
    IF v_got IS DISTINCT FROM v_expected THEN
        RAISE EXCEPTION 'explanation of "%" for user "%" on app "%" disagrees with the permission engine',
            v_perm, user_handle, app USING ERRCODE = 'internal_error';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.explain_app_permission(text, text, text) IS
    'Every path that grants an app-level permission to a user (org role, team and level), or why it is denied.';

CREATE FUNCTION orgs.who_can(app text, permission text)
RETURNS TABLE(user_handle text, via text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs.single_app_permission(permission);
    v_app bigint := orgs.visible_app(app);
    v_caller bigint := orgs.current_user_id();
    v_org bigint;
    v_owner bigint;
BEGIN
    SELECT a.org_id, a.owner_user_id INTO v_org, v_owner FROM orgs.apps a WHERE a.id = v_app;
    IF v_caller IS NOT NULL AND v_caller IS DISTINCT FROM v_owner
       AND (v_org IS NULL OR NOT orgs.has_org_permission(v_caller, v_org, 'members.view')) THEN
        RAISE EXCEPTION 'permission denied to review access to app "%"', app
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Access review needs members.view in the app''s organization.';
    END IF;
    RETURN QUERY
        SELECT u.handle::text,
               (SELECT string_agg(e.via, ', ') FROM orgs.explain_internal(u.id, v_app, v_perm) e
                 WHERE e.granted)
          FROM orgs.users u
         WHERE (u.id = v_owner
                OR u.id IN (SELECT m.user_id FROM orgs.members m WHERE m.org_id = v_org))
           AND orgs.has_app_permission(u.id, v_app, v_perm)
         ORDER BY u.handle_key;
END;
$$;
COMMENT ON FUNCTION orgs.who_can(text, text) IS
    'Access review: every user who holds the permission on the app, and through what.';
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

GRANT USAGE ON SCHEMA orgs TO PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA orgs FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA orgs FROM PUBLIC;

-- The matrix is readable by everyone.
GRANT SELECT ON orgs.permissions TO PUBLIC;
CREATE POLICY readable_by_all ON orgs.permissions FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.permissions IS 'The permission matrix is public.';
GRANT SELECT ON orgs.role_org_permissions TO PUBLIC;
CREATE POLICY readable_by_all ON orgs.role_org_permissions FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.role_org_permissions IS 'The permission matrix is public.';
GRANT SELECT ON orgs.role_app_baseline TO PUBLIC;
CREATE POLICY readable_by_all ON orgs.role_app_baseline FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.role_app_baseline IS 'The permission matrix is public.';
GRANT SELECT ON orgs.role_app_ceiling TO PUBLIC;
CREATE POLICY readable_by_all ON orgs.role_app_ceiling FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.role_app_ceiling IS 'The permission matrix is public.';
GRANT SELECT ON orgs.team_level_permissions TO PUBLIC;
CREATE POLICY readable_by_all ON orgs.team_level_permissions FOR SELECT USING (true);
COMMENT ON POLICY readable_by_all ON orgs.team_level_permissions IS 'The permission matrix is public.';
GRANT SELECT ON orgs.org_permissions_from_app TO PUBLIC;
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
SELECT pg_catalog.pg_extension_config_dump('orgs.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.organizations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.apps_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.teams_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.invitations_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('orgs.notifications_id_seq', '');
--------------------------------------------------------------------------
-- Organizations and members (API.md "Organizations and members")
--------------------------------------------------------------------------
--
-- Every function of the flows (40_orgs.sql to 46_apps.sql) runs as the
-- extension owner (SECURITY DEFINER), acts for orgs.current_user_id() and
-- decides with the C engine.  The order of the checks is always:
--
--   1. no acting user                              42501
--   2. bad argument (syntax, range)                22023
--   3. an org, team or app the acting user cannot
--      see, or that does not exist                 42704 (one message)
--   4. a permission the acting user lacks          42501
--   5. a name that is already taken                42710
--
-- Audit log event codes (orgs.audit_log.event_code).  Every change made
-- by these functions writes its rows in the same transaction:
--
--   code  event                     written by
--   ----  ------------------------  ---------------------------------------
--   100   member_added              create_org (the creator), accept_invitation
--   101   member_role_changed       set_member_role
--   102   member_removed            remove_member, leave_org (details.left)
--   103   invitation_created        invite
--   104   invitation_cancelled      rescind_invitation
--   105   invitation_accepted       accept_invitation
--   106   invitation_declined       decline_invitation
--   107   team_created              create_team
--   108   team_updated              rename_team, set_team_app_permission
--   109   team_deleted              delete_team
--   110   team_member_added         add_team_member
--   111   team_member_removed       remove_team_member
--   112   team_app_added            add_team_app
--   113   team_app_removed          remove_team_app
--   200   org_created               create_org
--   201   org_updated               update_org
--   202   org_deleted               delete_org (details.dropped_apps)
--   210   app_created               create_app
--   211   app_transferred_in        transfer_app (row of the receiving org)
--   212   app_transferred_out       transfer_app (row of the giving org, or
--                                   org_id NULL for a personal app)
--   213   app_deleted               delete_app
--
-- Codes 100 to 113 are the product's; 200 and up are this extension's.
-- Events of personal apps are logged with org_id NULL and are readable by
-- the user who acted.

--------------------------------------------------------------------------
-- Internal helpers
--------------------------------------------------------------------------

CREATE FUNCTION orgs.require_actor()
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := orgs.current_user_id();
BEGIN
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no acting user'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This function acts on behalf of a user of pg_orgs.',
                  HINT = 'Call orgs.act_as() first, or link the database role to a user with orgs.link_db_role().';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.require_actor() IS
    'Internal: the acting user''s key; insufficient_privilege when there is none.';
REVOKE ALL ON FUNCTION orgs.require_actor() FROM PUBLIC;

CREATE FUNCTION orgs.visible_org(org_id text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := CASE WHEN org_id IS NULL THEN NULL ELSE orgs.lookup_org(org_id) END;
BEGIN
    IF v_id IS NULL OR NOT coalesce(orgs.has_org_permission(v_id, 'org.view'), false) THEN
        RAISE EXCEPTION 'organization "%" does not exist', org_id
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.visible_org(text) IS
    'Internal: the key of an organization the acting user may see (org.view); otherwise the same error as for one that does not exist.';
REVOKE ALL ON FUNCTION orgs.visible_org(text) FROM PUBLIC;

CREATE FUNCTION orgs.org_name(org bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN (SELECT o.org_id::text FROM orgs.organizations o WHERE o.id OPERATOR(pg_catalog.=) org);
COMMENT ON FUNCTION orgs.org_name(bigint) IS 'Internal: the org ID of an organization key.';
REVOKE ALL ON FUNCTION orgs.org_name(bigint) FROM PUBLIC;

CREATE FUNCTION orgs.require_org_permission(org bigint, permission text, action text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT coalesce(orgs.has_org_permission(org, permission), false) THEN
        RAISE EXCEPTION 'permission denied to %', format(action, '"' || orgs.org_name(org) || '"')
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('This requires permission "%s" in the organization.', permission);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.require_org_permission(bigint, text, text) IS
    'Internal: raise insufficient_privilege unless the acting user holds the org-level permission; action names what was denied, %s standing for the organization ("invite members in organization %s").';
REVOKE ALL ON FUNCTION orgs.require_org_permission(bigint, text, text) FROM PUBLIC;

CREATE FUNCTION orgs.clean_name(kind text, value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := btrim(value);
BEGIN
    IF v IS NULL OR length(v) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'invalid % name: "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A name has 1 to 200 characters, not counting leading and trailing spaces.';
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs.clean_name(text, text) IS
    'Internal: a display name trimmed; invalid_parameter_value unless it has 1 to 200 characters.';

CREATE FUNCTION orgs.clean_email(value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := orgs.normalize_email(value);
BEGIN
    IF v IS NULL OR v !~ '^[^@[:space:]]+@[^@[:space:]]+$' OR length(v) > 254 THEN
        RAISE EXCEPTION 'invalid e-mail address: "%"', value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION orgs.clean_email(text) IS
    'Internal: an e-mail address normalized; invalid_parameter_value unless it is well formed.';

-- One row of the audit log, in the caller's transaction.
CREATE FUNCTION orgs.write_audit(org bigint, event_code integer, event text,
                                 target text, details jsonb DEFAULT '{}')
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    INSERT INTO orgs.audit_log (org_id, actor_id, actor_handle, event_code, event, target, details)
    VALUES (org, orgs.current_user_id(), orgs.current_user_handle(), event_code, event, target,
            COALESCE(details, '{}'::jsonb));
END;
COMMENT ON FUNCTION orgs.write_audit(bigint, integer, text, text, jsonb) IS
    'Internal: append one row to the audit log for the acting user (codes at the top of 40_orgs.sql and in README.md).';
REVOKE ALL ON FUNCTION orgs.write_audit(bigint, integer, text, text, jsonb) FROM PUBLIC;

-- Invariant 5 for roles: the first permission that role would give in the
-- org and that the acting user does not hold, or NULL when there is none.
-- Org level through the engine; app level from the matrix: B(role) must be
-- within the actor's baseline and C(role) within the actor's baseline and
-- ceiling (admins and org contributors hold every app permission).
CREATE FUNCTION orgs.role_exceeding_actor(org bigint, role orgs.org_role)
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT x.permission
      FROM (SELECT p.permission, 1 AS ord
              FROM orgs.role_org_permissions p
             WHERE p.role OPERATOR(pg_catalog.=) role_exceeding_actor.role
               AND NOT COALESCE(orgs.has_org_permission(role_exceeding_actor.org, p.permission), false)
            UNION ALL
            SELECT b.permission, 2
              FROM orgs.role_app_baseline b
             WHERE b.role OPERATOR(pg_catalog.=) role_exceeding_actor.role
               AND NOT EXISTS (SELECT 1 FROM orgs.members m
                                 JOIN orgs.role_app_baseline ab ON ab.role OPERATOR(pg_catalog.=) m.role
                                WHERE m.org_id OPERATOR(pg_catalog.=) role_exceeding_actor.org
                                  AND m.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
                                  AND ab.permission OPERATOR(pg_catalog.=) b.permission)
            UNION ALL
            SELECT c.permission, 3
              FROM orgs.role_app_ceiling c
             WHERE c.role OPERATOR(pg_catalog.=) role_exceeding_actor.role
               AND NOT EXISTS (SELECT 1 FROM orgs.members m
                                WHERE m.org_id OPERATOR(pg_catalog.=) role_exceeding_actor.org
                                  AND m.user_id OPERATOR(pg_catalog.=) orgs.current_user_id()
                                  AND (EXISTS (SELECT 1 FROM orgs.role_app_baseline ab
                                                WHERE ab.role OPERATOR(pg_catalog.=) m.role
                                                  AND ab.permission OPERATOR(pg_catalog.=) c.permission)
                                       OR EXISTS (SELECT 1 FROM orgs.role_app_ceiling ac
                                                   WHERE ac.role OPERATOR(pg_catalog.=) m.role
                                                     AND ac.permission OPERATOR(pg_catalog.=) c.permission)))) x
     ORDER BY x.ord, x.permission
     LIMIT 1;
END;
COMMENT ON FUNCTION orgs.role_exceeding_actor(bigint, orgs.org_role) IS
    'Internal: a permission the role would give in the org that the acting user does not hold (invariant 5), or NULL.';
REVOKE ALL ON FUNCTION orgs.role_exceeding_actor(bigint, orgs.org_role) FROM PUBLIC;

CREATE FUNCTION orgs.require_role_within_actor(org bigint, role orgs.org_role, action text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs.role_exceeding_actor(org, role);
BEGIN
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to % role "%" in organization "%"', action, role, orgs.org_name(org)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Role "%s" includes permission "%s", which the acting user does not hold.', role, v_perm),
                  HINT = CASE WHEN action IN ('grant', 'invite with')
                              THEN 'Nobody can grant a permission they do not hold.'
                              ELSE 'Only a member who holds every permission of a role can change or remove members with that role.' END;
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.require_role_within_actor(bigint, orgs.org_role, text) IS
    'Internal: raise insufficient_privilege when the role holds a permission the acting user lacks in the org.';
REVOKE ALL ON FUNCTION orgs.require_role_within_actor(bigint, orgs.org_role, text) FROM PUBLIC;

-- The key of a user by handle, or 42704.
CREATE FUNCTION orgs.existing_user(handle text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint := CASE WHEN handle IS NULL THEN NULL ELSE orgs.lookup_user(handle) END;
BEGIN
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'user "%" does not exist', handle
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.existing_user(text) IS 'Internal: the key of a user by handle; undefined_object when there is none.';
REVOKE ALL ON FUNCTION orgs.existing_user(text) FROM PUBLIC;

-- Serialize the membership changes of one organization, and make the
-- permission checks that follow see everything committed before.  The row
-- update waits for any concurrent membership change in the org (the
-- last-admin trigger updates the same row); its statement trigger
-- invalidates this backend's permission cache, which the engine then
-- rebuilds from the next statement's snapshot.  Without it, an admin
-- demoted by a transaction that commits while we wait would still pass
-- the members.manage check (the cache takes in other backends'
-- invalidations only once per top-level statement).
CREATE FUNCTION orgs.lock_org_membership(org bigint)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE orgs.organizations o SET admin_epoch = o.admin_epoch
     WHERE o.id OPERATOR(pg_catalog.=) lock_org_membership.org;
END;
COMMENT ON FUNCTION orgs.lock_org_membership(bigint) IS
    'Internal: lock an organization''s row to serialize its membership changes, and refresh this backend''s permission cache.';
REVOKE ALL ON FUNCTION orgs.lock_org_membership(bigint) FROM PUBLIC;

--------------------------------------------------------------------------
-- Organizations
--------------------------------------------------------------------------

CREATE FUNCTION orgs.create_org(org_id text, name text, billing_email text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_name text := orgs.clean_name('organization', name);
    v_billing text := CASE WHEN billing_email IS NULL THEN NULL ELSE orgs.clean_email(billing_email) END;
    v_id bigint;
BEGIN
    PERFORM orgs.check_identifier('organization ID', org_id);
    IF EXISTS (SELECT 1 FROM orgs.owner_names n
                WHERE n.name_key = lower(create_org.org_id) AND n.user_id IS NOT NULL) THEN
        RAISE EXCEPTION 'organization ID "%" is already taken', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'A user has this handle: user handles and organization IDs share one namespace and are compared without regard to case.';
    ELSIF EXISTS (SELECT 1 FROM orgs.owner_names n WHERE n.name_key = lower(create_org.org_id)) THEN
        RAISE EXCEPTION 'organization "%" already exists', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'Organization IDs are compared without regard to case.';
    END IF;
    BEGIN
        INSERT INTO orgs.organizations (org_id, name, billing_email, created_by)
        VALUES (create_org.org_id, v_name, v_billing, v_actor)
        RETURNING id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'organization "%" already exists', org_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'User handles and organization IDs share one namespace and are compared without regard to case.';
    END;
    INSERT INTO orgs.members (org_id, user_id, role) VALUES (v_id, v_actor, 'admin');
    PERFORM orgs.write_audit(v_id, 200, 'org_created', create_org.org_id,
                             jsonb_build_object('name', v_name, 'billing_email', v_billing));
    PERFORM orgs.write_audit(v_id, 100, 'member_added', orgs.current_user_handle(),
                             jsonb_build_object('role', 'admin', 'via', 'create_org'));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_org(text, text, text) IS
    'Create an organization; the acting user becomes its admin.';

CREATE FUNCTION orgs.update_org(org_id text, name text DEFAULT NULL, billing_email text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_name text := CASE WHEN name IS NULL THEN NULL ELSE orgs.clean_name('organization', name) END;
    v_billing text := CASE WHEN billing_email IS NULL OR btrim(billing_email) = '' THEN NULL
                           ELSE orgs.clean_email(billing_email) END;
    v_org bigint := orgs.visible_org(org_id);
    v_old record;
    v_details jsonb := '{}';
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'org.edit', 'edit organization %s');
    SELECT o.name, o.billing_email::text AS billing_email INTO v_old
      FROM orgs.organizations o WHERE o.id = v_org FOR NO KEY UPDATE;
    IF v_name IS NOT NULL AND v_name IS DISTINCT FROM v_old.name THEN
        v_details := v_details || jsonb_build_object('name', jsonb_build_object('old', v_old.name, 'new', v_name));
    ELSE
        v_name := v_old.name;
    END IF;
    IF billing_email IS NOT NULL AND v_billing IS DISTINCT FROM v_old.billing_email THEN
        v_details := v_details || jsonb_build_object('billing_email',
                                     jsonb_build_object('old', v_old.billing_email, 'new', v_billing));
    ELSE
        v_billing := v_old.billing_email;
    END IF;
    IF v_details = '{}' THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.organizations o SET name = v_name, billing_email = v_billing WHERE o.id = v_org;
    PERFORM orgs.write_audit(v_org, 201, 'org_updated', orgs.org_name(v_org), v_details);
END;
$$;
COMMENT ON FUNCTION orgs.update_org(text, text, text) IS
    'Change an organization''s name or billing e-mail (org.edit); NULL leaves a field as it is, an empty billing_email clears it.';

CREATE FUNCTION orgs.delete_org(org_id text, drop_apps boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_name text;
    v_apps text[];
BEGIN
    PERFORM orgs.lock_org_membership(v_org);
    PERFORM orgs.require_org_permission(v_org, 'org.delete', 'delete organization %s');
    -- Lock the org first: an app created or transferred in concurrently is
    -- either counted here or fails on its foreign key.
    SELECT o.org_id INTO v_name FROM orgs.organizations o WHERE o.id = v_org FOR UPDATE;
    SELECT coalesce(array_agg(a.app_id::text ORDER BY a.app_key), '{}') INTO v_apps
      FROM orgs.apps a WHERE a.org_id = v_org;
    IF cardinality(v_apps) > 0 AND NOT coalesce(drop_apps, false) THEN
        RAISE EXCEPTION 'cannot delete organization "%" because it owns apps', v_name
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = format('Organization "%s" owns %s app(s): %s.', v_name, cardinality(v_apps),
                                  array_to_string(v_apps, ', ')),
                  HINT = 'Delete or transfer the apps first, or call orgs.delete_org with drop_apps => true.';
    END IF;
    PERFORM orgs.write_audit(v_org, 202, 'org_deleted', v_name,
                             jsonb_build_object('dropped_apps', to_jsonb(v_apps)));
    DELETE FROM orgs.apps a WHERE a.org_id = v_org;
    DELETE FROM orgs.organizations o WHERE o.id = v_org;
END;
$$;
COMMENT ON FUNCTION orgs.delete_org(text, boolean) IS
    'Delete an organization (org.delete) with its members, teams and invitations; refuses while it owns apps unless drop_apps.';

--------------------------------------------------------------------------
-- Members
--------------------------------------------------------------------------

CREATE FUNCTION orgs.leave_org(org_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_role orgs.org_role;
BEGIN
    PERFORM orgs.lock_org_membership(v_org);
    DELETE FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_actor
    RETURNING m.role INTO v_role;
    IF NOT FOUND THEN
        -- visible but not a member: cannot happen with today's matrix
        RAISE EXCEPTION 'organization "%" does not exist', org_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs.write_audit(v_org, 102, 'member_removed', orgs.current_user_handle(),
                             jsonb_build_object('role', v_role, 'left', true));
END;
$$;
COMMENT ON FUNCTION orgs.leave_org(text) IS
    'The acting user leaves the organization (and its teams); the last admin cannot leave.';

-- The membership row of a user in an org, locked; 42704 unless a member.
CREATE FUNCTION orgs.locked_member(org bigint, handle text)
RETURNS orgs.members
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_user bigint := orgs.existing_user(handle);
    v_member orgs.members;
BEGIN
    SELECT m.* INTO v_member FROM orgs.members m
     WHERE m.org_id = org AND m.user_id = v_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of organization "%"', handle, orgs.org_name(org)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_member;
END;
$$;
COMMENT ON FUNCTION orgs.locked_member(bigint, text) IS
    'Internal: a user''s membership row in an org, locked for update; undefined_object when there is none.';
REVOKE ALL ON FUNCTION orgs.locked_member(bigint, text) FROM PUBLIC;

CREATE FUNCTION orgs.set_member_role(org_id text, user_handle text, role orgs.org_role)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint;
    v_member orgs.members;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := orgs.visible_org(org_id);
    PERFORM orgs.lock_org_membership(v_org);
    PERFORM orgs.require_org_permission(v_org, 'members.manage', 'change member roles in organization %s');
    v_member := orgs.locked_member(v_org, user_handle);
    -- no escalation: neither the old role nor the new may exceed the actor's
    PERFORM orgs.require_role_within_actor(v_org, v_member.role, 'change the role of a member with');
    PERFORM orgs.require_role_within_actor(v_org, role, 'grant');
    IF v_member.role = role THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.members m SET role = set_member_role.role
     WHERE m.org_id = v_org AND m.user_id = v_member.user_id;
    PERFORM orgs.write_audit(v_org, 101, 'member_role_changed',
                             (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_member.user_id),
                             jsonb_build_object('old_role', v_member.role, 'new_role', role));
END;
$$;
COMMENT ON FUNCTION orgs.set_member_role(text, text, orgs.org_role) IS
    'Change a member''s role (members.manage); nobody can give a role holding permissions they lack, and the last admin stays.';

CREATE FUNCTION orgs.remove_member(org_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_member orgs.members;
    v_teams text[];
BEGIN
    PERFORM orgs.lock_org_membership(v_org);
    PERFORM orgs.require_org_permission(v_org, 'members.manage', 'remove members in organization %s');
    v_member := orgs.locked_member(v_org, user_handle);
    PERFORM orgs.require_role_within_actor(v_org, v_member.role, 'remove a member with');
    SELECT coalesce(array_agg(t.team_id::text ORDER BY t.team_key), '{}') INTO v_teams
      FROM orgs.team_members tm JOIN orgs.teams t ON t.id = tm.team_id
     WHERE tm.org_id = v_org AND tm.user_id = v_member.user_id;
    -- the team memberships go with the membership (foreign key cascade)
    DELETE FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_member.user_id;
    PERFORM orgs.write_audit(v_org, 102, 'member_removed',
                             (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_member.user_id),
                             jsonb_build_object('role', v_member.role, 'teams', to_jsonb(v_teams)));
END;
$$;
COMMENT ON FUNCTION orgs.remove_member(text, text) IS
    'Remove a member from the organization and from all of its teams (members.manage); the last admin stays.';
--------------------------------------------------------------------------
-- Invitations (API.md "Invitations")
--------------------------------------------------------------------------
--
-- An admin (members.manage) invites an e-mail address with a role.  The
-- token, 32 random bytes in base64url, is returned once by orgs.invite and
-- only its SHA-256 is stored.  The invitee is told twice:
--   - a row in orgs.notifications, addressed by user key when the address
--     belongs to an account and always by e-mail, so that a person who
--     registers later sees it too;
--   - NOTIFY on channel orgs_events, which PostgreSQL delivers after commit
--     (never after a rollback), with a JSON payload of the event name and
--     ids, never the token: {"event": "invitation_created",
--     "invitation_id": 1, "org_id": 1, "notification_id": 1}.
--     Events: invitation_created, invitation_rescinded,
--     invitation_accepted, invitation_declined.
--
-- Errors:
--   - by token, an unknown, used, declined, rescinded, expired or foreign
--     token (addressed to another e-mail) is always the same error:
--     22023 'invitation token is invalid';
--   - by id, an invitation the acting user may not see (neither its invitee
--     nor holding members.manage in its org) does not exist (42704); one
--     addressed to someone else is 42501; one that is no longer pending
--     (or is past its expiry) is 55000.
--
-- Expiry: a pending invitation past expires_at is expired.  Its state
-- column is set to 'expired' lazily: before the same e-mail is invited to
-- the same org again, and by orgs.expire_invitations() (for a periodic
-- job).  Until then the views (orgs.my_invitations, orgs.org_invitations)
-- report the effective state and no function accepts it.

CREATE FUNCTION orgs.current_user_email()
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN (SELECT u.email::text FROM orgs.users u WHERE u.id OPERATOR(pg_catalog.=) orgs.current_user_id());
COMMENT ON FUNCTION orgs.current_user_email() IS
    'The acting user''s e-mail address, or NULL (used by the invitation and notification policies).';

-- The state an invitation really is in: pending past its expiry is expired.
CREATE FUNCTION orgs.invitation_effective_state(state orgs.invitation_state, expires_at timestamptz)
RETURNS orgs.invitation_state
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN state OPERATOR(pg_catalog.=) 'pending'::orgs.invitation_state
                 AND expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
            THEN 'expired'::orgs.invitation_state ELSE state END;
COMMENT ON FUNCTION orgs.invitation_effective_state(orgs.invitation_state, timestamptz) IS
    'The state of an invitation, counting a pending invitation past its expiry as expired.';

-- Send the event to orgs_events (delivered at commit).
CREATE FUNCTION orgs.notify_event(payload jsonb)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT pg_catalog.pg_notify('orgs_events', payload::text);
END;
COMMENT ON FUNCTION orgs.notify_event(jsonb) IS
    'Internal: NOTIFY orgs_events with a JSON payload (event name and ids; never a token), delivered after commit.';
REVOKE ALL ON FUNCTION orgs.notify_event(jsonb) FROM PUBLIC;

CREATE FUNCTION orgs.invite(org_id text, email text, role orgs.org_role,
                            valid_for interval DEFAULT '7 days')
RETURNS TABLE(invitation_id bigint, token text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_email text := orgs.clean_email(email);
    v_now timestamptz := now();
    v_expires timestamptz;
    v_org bigint;
    v_token text;
    v_id bigint;
    v_invitee bigint;
    v_notification bigint;
    v_constraint text;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_expires := v_now + COALESCE(valid_for, interval '7 days');
    IF v_expires <= v_now OR v_expires > v_now + interval '30 days' THEN
        RAISE EXCEPTION 'invalid invitation validity: "%"', valid_for
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An invitation is valid for more than zero and at most 30 days.';
    END IF;
    v_org := orgs.visible_org(org_id);
    PERFORM orgs.require_org_permission(v_org, 'members.manage', 'invite members in organization %s');
    PERFORM orgs.require_role_within_actor(v_org, role, 'invite with');

    SELECT u.id INTO v_invitee FROM orgs.users u WHERE u.email = v_email;
    IF v_invitee IS NOT NULL
       AND EXISTS (SELECT 1 FROM orgs.members m WHERE m.org_id = v_org AND m.user_id = v_invitee) THEN
        RAISE EXCEPTION 'user with e-mail address "%" is already a member of organization "%"',
                        v_email, orgs.org_name(v_org)
            USING ERRCODE = 'duplicate_object';
    END IF;

    -- an earlier invitation of the same address that ran out is expired now
    UPDATE orgs.invitations i SET state = 'expired', decided_at = v_now
     WHERE i.org_id = v_org AND i.email = v_email
       AND i.state = 'pending' AND i.expires_at <= v_now;

    v_token := orgs.generate_token();
    BEGIN
        INSERT INTO orgs.invitations AS i (org_id, email, role, token_hash, invited_by, created_at, expires_at)
        VALUES (v_org, v_email, invite.role, orgs.hash_token(v_token), v_actor, v_now, v_expires)
        RETURNING i.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
        IF v_constraint = 'invitations_one_pending' THEN
            RAISE EXCEPTION 'a pending invitation for "%" to organization "%" already exists',
                            v_email, orgs.org_name(v_org)
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Rescind it before sending a new one.';
        END IF;
        RAISE;
    END;

    INSERT INTO orgs.notifications AS n (user_id, email, org_id, event, payload)
    VALUES (v_invitee, v_email, v_org, 'invitation',
            jsonb_build_object('invitation_id', v_id, 'org_id', v_org,
                               'org', orgs.org_name(v_org), 'role', role,
                               'invited_by', orgs.current_user_handle(),
                               'expires_at', v_expires))
    RETURNING n.id INTO v_notification;
    PERFORM orgs.notify_event(jsonb_build_object('event', 'invitation_created', 'invitation_id', v_id,
                                                 'org_id', v_org, 'notification_id', v_notification));
    PERFORM orgs.write_audit(v_org, 103, 'invitation_created', v_email,
                             jsonb_build_object('invitation_id', v_id, 'role', role, 'expires_at', v_expires));
    invitation_id := v_id;
    token := v_token;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION orgs.invite(text, text, orgs.org_role, interval) IS
    'Invite an e-mail address to the organization with a role (members.manage); returns the token once, valid for at most 30 days.';

CREATE FUNCTION orgs.rescind_invitation(invitation_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_inv orgs.invitations;
BEGIN
    SELECT i.* INTO v_inv FROM orgs.invitations i WHERE i.id = rescind_invitation.invitation_id FOR UPDATE;
    IF NOT FOUND OR NOT COALESCE(orgs.has_org_permission(v_inv.org_id, 'org.view'), false) THEN
        RAISE EXCEPTION 'invitation % does not exist', invitation_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs.require_org_permission(v_inv.org_id, 'members.manage', 'rescind invitations in organization %s');
    IF orgs.invitation_effective_state(v_inv.state, v_inv.expires_at) <> 'pending' THEN
        RAISE EXCEPTION 'invitation % is already %', invitation_id,
                        orgs.invitation_effective_state(v_inv.state, v_inv.expires_at)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only a pending invitation can be rescinded.';
    END IF;
    UPDATE orgs.invitations i SET state = 'rescinded', decided_at = now(), decided_by = v_actor
     WHERE i.id = v_inv.id;
    PERFORM orgs.notify_event(jsonb_build_object('event', 'invitation_rescinded',
                                                 'invitation_id', v_inv.id, 'org_id', v_inv.org_id));
    PERFORM orgs.write_audit(v_inv.org_id, 104, 'invitation_cancelled', v_inv.email::text,
                             jsonb_build_object('invitation_id', v_inv.id, 'role', v_inv.role));
END;
$$;
COMMENT ON FUNCTION orgs.rescind_invitation(bigint) IS
    'Rescind a pending invitation (members.manage in its organization).';

-- Accept or decline an invitation already locked and checked by the caller:
-- it is pending, unexpired and addressed to the acting user.
CREATE FUNCTION orgs.decide_invitation(inv orgs.invitations, accept boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_handle text := orgs.current_user_handle();
    v_org_name text := orgs.org_name(inv.org_id);
BEGIN
    IF accept THEN
        IF EXISTS (SELECT 1 FROM orgs.members m WHERE m.org_id = inv.org_id AND m.user_id = v_actor) THEN
            RAISE EXCEPTION 'user "%" is already a member of organization "%"', v_handle, v_org_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Decline the invitation instead.';
        END IF;
        UPDATE orgs.invitations i SET state = 'accepted', decided_at = now(), decided_by = v_actor
         WHERE i.id = inv.id;
        BEGIN
            INSERT INTO orgs.members (org_id, user_id, role) VALUES (inv.org_id, v_actor, inv.role);
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'user "%" is already a member of organization "%"', v_handle, v_org_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'Decline the invitation instead.';
        END;
        INSERT INTO orgs.notifications (user_id, email, org_id, event, payload)
        VALUES (v_actor, inv.email, inv.org_id, 'invitation_accepted',
                jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                   'org', v_org_name, 'role', inv.role));
        IF inv.invited_by IS NOT NULL AND inv.invited_by <> v_actor THEN
            INSERT INTO orgs.notifications (user_id, org_id, event, payload)
            VALUES (inv.invited_by, inv.org_id, 'member_joined',
                    jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                       'org', v_org_name, 'user', v_handle, 'role', inv.role));
        END IF;
        PERFORM orgs.notify_event(jsonb_build_object('event', 'invitation_accepted', 'invitation_id', inv.id,
                                                     'org_id', inv.org_id, 'user_id', v_actor));
        PERFORM orgs.write_audit(inv.org_id, 105, 'invitation_accepted', inv.email::text,
                                 jsonb_build_object('invitation_id', inv.id, 'role', inv.role, 'user', v_handle));
        PERFORM orgs.write_audit(inv.org_id, 100, 'member_added', v_handle,
                                 jsonb_build_object('role', inv.role, 'via', 'invitation', 'invitation_id', inv.id));
    ELSE
        UPDATE orgs.invitations i SET state = 'declined', decided_at = now(), decided_by = v_actor
         WHERE i.id = inv.id;
        IF inv.invited_by IS NOT NULL AND inv.invited_by <> v_actor THEN
            INSERT INTO orgs.notifications (user_id, org_id, event, payload)
            VALUES (inv.invited_by, inv.org_id, 'invitation_declined',
                    jsonb_build_object('invitation_id', inv.id, 'org_id', inv.org_id,
                                       'org', v_org_name, 'email', inv.email));
        END IF;
        PERFORM orgs.notify_event(jsonb_build_object('event', 'invitation_declined', 'invitation_id', inv.id,
                                                     'org_id', inv.org_id, 'user_id', v_actor));
        PERFORM orgs.write_audit(inv.org_id, 106, 'invitation_declined', inv.email::text,
                                 jsonb_build_object('invitation_id', inv.id, 'role', inv.role, 'user', v_handle));
    END IF;
    RETURN inv.org_id;
END;
$$;
COMMENT ON FUNCTION orgs.decide_invitation(orgs.invitations, boolean) IS
    'Internal: accept or decline a locked, checked invitation for the acting user.';
REVOKE ALL ON FUNCTION orgs.decide_invitation(orgs.invitations, boolean) FROM PUBLIC;

-- The invitation with this token, locked, if the acting user may use it;
-- otherwise the one error for every bad token.
CREATE FUNCTION orgs.invitation_by_token(token text)
RETURNS orgs.invitations
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_inv orgs.invitations;
BEGIN
    IF token IS NOT NULL THEN
        SELECT i.* INTO v_inv FROM orgs.invitations i
         WHERE i.token_hash = orgs.hash_token(invitation_by_token.token) FOR UPDATE;
    END IF;
    IF v_inv.id IS NULL
       OR orgs.invitation_effective_state(v_inv.state, v_inv.expires_at) <> 'pending'
       OR v_inv.email::text IS DISTINCT FROM orgs.current_user_email() THEN
        RAISE EXCEPTION 'invitation token is invalid'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The token is unknown, already used, expired, or addressed to another e-mail address.';
    END IF;
    RETURN v_inv;
END;
$$;
COMMENT ON FUNCTION orgs.invitation_by_token(text) IS
    'Internal: the pending invitation of a token, locked, for the acting user; one error for every token that cannot be used.';
REVOKE ALL ON FUNCTION orgs.invitation_by_token(text) FROM PUBLIC;

-- The invitation with this id, locked, if addressed to the acting user.
CREATE FUNCTION orgs.invitation_by_id(invitation_id bigint)
RETURNS orgs.invitations
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_email text := orgs.current_user_email();
    v_inv orgs.invitations;
    v_state orgs.invitation_state;
BEGIN
    SELECT i.* INTO v_inv FROM orgs.invitations i WHERE i.id = invitation_by_id.invitation_id FOR UPDATE;
    IF NOT FOUND
       OR (v_inv.email::text IS DISTINCT FROM v_email
           AND NOT COALESCE(orgs.has_org_permission(v_inv.org_id, 'members.manage'), false)) THEN
        RAISE EXCEPTION 'invitation % does not exist', invitation_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF v_inv.email::text IS DISTINCT FROM v_email THEN
        RAISE EXCEPTION 'invitation % is not addressed to user "%"', invitation_id, orgs.current_user_handle()
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only the invitee can accept or decline an invitation.';
    END IF;
    v_state := orgs.invitation_effective_state(v_inv.state, v_inv.expires_at);
    IF v_state <> 'pending' THEN
        RAISE EXCEPTION 'invitation % is already %', invitation_id, v_state
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Only a pending invitation can be accepted or declined.';
    END IF;
    RETURN v_inv;
END;
$$;
COMMENT ON FUNCTION orgs.invitation_by_id(bigint) IS
    'Internal: a pending invitation addressed to the acting user, locked; the error says why otherwise.';
REVOKE ALL ON FUNCTION orgs.invitation_by_id(bigint) FROM PUBLIC;

CREATE FUNCTION orgs.accept_invitation(token text)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN orgs.decide_invitation(orgs.invitation_by_token(token), true);
COMMENT ON FUNCTION orgs.accept_invitation(text) IS
    'Accept an invitation by its token: the acting user joins the organization with the invited role; returns the org''s key.';

CREATE FUNCTION orgs.accept_invitation(invitation_id bigint)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN orgs.decide_invitation(orgs.invitation_by_id(invitation_id), true);
COMMENT ON FUNCTION orgs.accept_invitation(bigint) IS
    'Accept an invitation addressed to the acting user by its id; returns the org''s key.';

CREATE FUNCTION orgs.decline_invitation(token text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs.decide_invitation(orgs.invitation_by_token(token), false);
END;
$$;
COMMENT ON FUNCTION orgs.decline_invitation(text) IS 'Decline an invitation by its token.';

CREATE FUNCTION orgs.decline_invitation(invitation_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM orgs.decide_invitation(orgs.invitation_by_id(invitation_id), false);
END;
$$;
COMMENT ON FUNCTION orgs.decline_invitation(bigint) IS 'Decline an invitation addressed to the acting user by its id.';

CREATE FUNCTION orgs.expire_invitations()
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH expired AS (
        UPDATE orgs.invitations i
           SET state = 'expired', decided_at = pg_catalog.now()
         WHERE i.state OPERATOR(pg_catalog.=) 'pending'
           AND i.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()
        RETURNING 1)
    SELECT pg_catalog.count(*) FROM expired;
END;
COMMENT ON FUNCTION orgs.expire_invitations() IS
    'Mark every pending invitation past its expiry as expired (for a periodic job); returns how many.';
REVOKE ALL ON FUNCTION orgs.expire_invitations() FROM PUBLIC;

CREATE FUNCTION orgs.mark_notification_read(notification_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
BEGIN
    UPDATE orgs.notifications n SET read_at = COALESCE(n.read_at, now())
     WHERE n.id = mark_notification_read.notification_id
       AND (n.user_id = v_actor OR n.email::text = orgs.current_user_email());
    IF NOT FOUND THEN
        RAISE EXCEPTION 'notification % does not exist', notification_id
            USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.mark_notification_read(bigint) IS
    'Mark one of the acting user''s notifications read.';
--------------------------------------------------------------------------
-- Teams (API.md "Teams")
--------------------------------------------------------------------------
--
-- Teams of an org hold the org's apps at a level (PERMISSIONS.md section 3).
-- Team IDs are identifiers, unique within the org without regard to case.
-- Only members of the org join its teams; only apps the org owns are added
-- (the composite foreign keys of 00_schema.sql enforce both; the functions
-- lock the membership or app row first, so that a concurrent removal or
-- transfer either waits for them or makes them fail with a clear error).
--
-- No escalation (invariant 5): a team grant never gives a permission the
-- acting user lacks on that app.  Adding or re-levelling an app checks
-- every permission of the level with the engine; adding a member checks,
-- for every app of the team, what the level gives that member (the level
-- capped by the member's role ceiling).

-- A team of an org the acting user may list (teams.view), or 42704.
CREATE FUNCTION orgs.visible_team(org bigint, team_id text)
RETURNS orgs.teams
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_team orgs.teams;
BEGIN
    SELECT t.* INTO v_team FROM orgs.teams t
     WHERE t.org_id = org AND t.team_key = lower(visible_team.team_id);
    IF NOT FOUND OR NOT COALESCE(orgs.has_org_permission(org, 'teams.view'), false) THEN
        RAISE EXCEPTION 'team "%" does not exist in organization "%"', team_id, orgs.org_name(org)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN v_team;
END;
$$;
COMMENT ON FUNCTION orgs.visible_team(bigint, text) IS
    'Internal: a team of the org that the acting user may see (teams.view); otherwise the same error as for one that does not exist.';
REVOKE ALL ON FUNCTION orgs.visible_team(bigint, text) FROM PUBLIC;

-- The display name of an app: owner/app_id.
CREATE FUNCTION orgs.app_name(app bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN (SELECT COALESCE(o.org_id::text, u.handle::text) OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) a.app_id::text
          FROM orgs.apps a
          LEFT JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) a.org_id
          LEFT JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) a.owner_user_id
         WHERE a.id OPERATOR(pg_catalog.=) app);
COMMENT ON FUNCTION orgs.app_name(bigint) IS 'Internal: the name ''owner/app_id'' of an app key.';
REVOKE ALL ON FUNCTION orgs.app_name(bigint) FROM PUBLIC;

-- The first permission of `perms` the acting user does not hold on the app.
CREATE FUNCTION orgs.first_permission_not_held(app bigint, perms text[])
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT p.p FROM pg_catalog.unnest(perms) AS p(p)
     WHERE NOT COALESCE(orgs.has_app_permission(first_permission_not_held.app, p.p), false)
     ORDER BY p.p COLLATE "C"
     LIMIT 1;
END;
COMMENT ON FUNCTION orgs.first_permission_not_held(bigint, text[]) IS
    'Internal: the first of the app-level permissions that the acting user does not hold on the app, or NULL.';
REVOKE ALL ON FUNCTION orgs.first_permission_not_held(bigint, text[]) FROM PUBLIC;

CREATE FUNCTION orgs.level_permissions(level orgs.team_permission)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT COALESCE(pg_catalog.array_agg(l.permission::text ORDER BY l.permission), '{}')
      FROM orgs.team_level_permissions l
     WHERE l.level OPERATOR(pg_catalog.=) level_permissions.level;
END;
COMMENT ON FUNCTION orgs.level_permissions(orgs.team_permission) IS
    'L(level): the app-level permissions of a team level, sorted.';

-- Invariant 5 for a team grant: the level must be within the acting user's
-- effective set on the app.
CREATE FUNCTION orgs.require_level_within_actor(app bigint, level orgs.team_permission)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_perm text := orgs.first_permission_not_held(app, orgs.level_permissions(level));
BEGIN
    IF v_perm IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to grant level "%" on app "%"', level, orgs.app_name(app)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Level "%s" includes permission "%s", which the acting user does not hold on the app.', level, v_perm),
                  HINT = 'Nobody can grant a permission they do not hold.';
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.require_level_within_actor(bigint, orgs.team_permission) IS
    'Internal: raise insufficient_privilege when a team level gives a permission the acting user lacks on the app.';
REVOKE ALL ON FUNCTION orgs.require_level_within_actor(bigint, orgs.team_permission) FROM PUBLIC;

-- An app named in a team function: visible to the acting user, or 42704.
CREATE FUNCTION orgs.resolve_app(app text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF app IS NULL OR app !~ '^[^/]+/[^/]+$' THEN
        RAISE EXCEPTION 'invalid app name: "%"', app
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An app is named as "owner/app_id".';
    END IF;
    RETURN orgs.visible_app(app);
END;
$$;
COMMENT ON FUNCTION orgs.resolve_app(text) IS
    'Internal: the key of an app named ''owner/app_id'' that the acting user may see; otherwise the error for one that does not exist.';
REVOKE ALL ON FUNCTION orgs.resolve_app(text) FROM PUBLIC;

CREATE FUNCTION orgs.create_team(org_id text, team_id text, name text,
                                 default_permission orgs.team_permission)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_name text := orgs.clean_name('team', name);
    v_org bigint;
    v_id bigint;
BEGIN
    PERFORM orgs.check_identifier('team ID', team_id);
    IF default_permission IS NULL THEN
        RAISE EXCEPTION 'default permission must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := orgs.visible_org(org_id);
    PERFORM orgs.require_org_permission(v_org, 'teams.manage', 'create teams in organization %s');
    BEGIN
        INSERT INTO orgs.teams AS t (org_id, team_id, name, default_permission)
        VALUES (v_org, create_team.team_id, v_name, create_team.default_permission)
        RETURNING t.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'team "%" already exists in organization "%"', team_id, orgs.org_name(v_org)
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'Team IDs are unique within an organization, compared without regard to case.';
    END;
    PERFORM orgs.write_audit(v_org, 107, 'team_created', team_id,
                             jsonb_build_object('name', v_name, 'default_permission', default_permission));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_team(text, text, text, orgs.team_permission) IS
    'Create a team with a team ID, a name and the default level of the apps added to it (teams.manage).';

CREATE FUNCTION orgs.rename_team(org_id text, team_id text, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_name text := orgs.clean_name('team', name);
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage', 'rename teams in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    IF v_team.name = v_name THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.teams t SET name = v_name WHERE t.id = v_team.id;
    PERFORM orgs.write_audit(v_org, 108, 'team_updated', v_team.team_id::text,
                             jsonb_build_object('name', jsonb_build_object('old', v_team.name, 'new', v_name)));
END;
$$;
COMMENT ON FUNCTION orgs.rename_team(text, text, text) IS 'Rename a team (teams.manage).';

CREATE FUNCTION orgs.delete_team(org_id text, team_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
    v_members jsonb;
    v_apps jsonb;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage', 'delete teams in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    SELECT COALESCE(jsonb_agg(u.handle::text ORDER BY u.handle_key), '[]') INTO v_members
      FROM orgs.team_members tm JOIN orgs.users u ON u.id = tm.user_id
     WHERE tm.team_id = v_team.id;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('app', orgs.app_name(ta.app_id), 'permission', ta.permission)
                              ORDER BY ta.app_id), '[]') INTO v_apps
      FROM orgs.team_apps ta WHERE ta.team_id = v_team.id;
    DELETE FROM orgs.teams t WHERE t.id = v_team.id;
    PERFORM orgs.write_audit(v_org, 109, 'team_deleted', v_team.team_id::text,
                             jsonb_build_object('name', v_team.name, 'members', v_members, 'apps', v_apps));
END;
$$;
COMMENT ON FUNCTION orgs.delete_team(text, text) IS 'Delete a team with its memberships and app grants (teams.manage).';

CREATE FUNCTION orgs.add_team_member(org_id text, team_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
    v_user bigint;
    v_role orgs.org_role;
    r record;
    v_perm text;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage_members', 'add team members in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    v_user := orgs.existing_user(user_handle);
    -- lock the membership: a concurrent removal from the org waits for us
    -- (and then takes the new team membership with it) or we see it gone
    SELECT m.role INTO v_role FROM orgs.members m
     WHERE m.org_id = v_org AND m.user_id = v_user FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of organization "%"', user_handle, orgs.org_name(v_org)
            USING ERRCODE = 'undefined_object',
                  HINT = 'Only members of the organization can be added to its teams.';
    END IF;
    IF EXISTS (SELECT 1 FROM orgs.team_members tm WHERE tm.team_id = v_team.id AND tm.user_id = v_user) THEN
        RAISE EXCEPTION 'user "%" is already a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'duplicate_object';
    END IF;
    -- no escalation: what the team's apps give this member, the actor holds
    FOR r IN SELECT ta.app_id, ta.permission FROM orgs.team_apps ta
              WHERE ta.team_id = v_team.id ORDER BY ta.app_id LOOP
        v_perm := orgs.first_permission_not_held(r.app_id, ARRAY(
                      SELECT l.permission::text FROM orgs.team_level_permissions l
                        JOIN orgs.role_app_ceiling c ON c.permission = l.permission AND c.role = v_role
                       WHERE l.level = r.permission));
        IF v_perm IS NOT NULL THEN
            RAISE EXCEPTION 'permission denied to add user "%" to team "%"', user_handle, v_team.team_id
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Team "%s" holds app "%s" at level "%s", which would give the user permission "%s" that the acting user does not hold on the app.',
                                      v_team.team_id, orgs.app_name(r.app_id), r.permission, v_perm),
                      HINT = 'Nobody can grant a permission they do not hold.';
        END IF;
    END LOOP;
    BEGIN
        INSERT INTO orgs.team_members (org_id, team_id, user_id) VALUES (v_org, v_team.id, v_user);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'user "%" is already a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'duplicate_object';
    END;
    PERFORM orgs.write_audit(v_org, 110, 'team_member_added', v_team.team_id::text,
                             jsonb_build_object('user', (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_user)));
END;
$$;
COMMENT ON FUNCTION orgs.add_team_member(text, text, text) IS
    'Add a member of the organization to one of its teams (teams.manage_members).';

CREATE FUNCTION orgs.remove_team_member(org_id text, team_id text, user_handle text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
    v_user bigint;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage_members', 'remove team members in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    v_user := orgs.existing_user(user_handle);
    DELETE FROM orgs.team_members tm WHERE tm.team_id = v_team.id AND tm.user_id = v_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user "%" is not a member of team "%"', user_handle, v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs.write_audit(v_org, 111, 'team_member_removed', v_team.team_id::text,
                             jsonb_build_object('user', (SELECT u.handle::text FROM orgs.users u WHERE u.id = v_user)));
END;
$$;
COMMENT ON FUNCTION orgs.remove_team_member(text, text, text) IS
    'Remove a user from a team (teams.manage_members).';

CREATE FUNCTION orgs.add_team_app(org_id text, team_id text, app text,
                                  permission orgs.team_permission DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
    v_app bigint;
    v_app_org bigint;
    v_level orgs.team_permission;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage_apps', 'add team apps in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    v_app := orgs.resolve_app(app);
    -- lock the app: a concurrent transfer out waits for us (and then drops
    -- the grant) or we see the new owner
    SELECT a.org_id INTO v_app_org FROM orgs.apps a WHERE a.id = v_app FOR KEY SHARE;
    IF v_app_org IS DISTINCT FROM v_org THEN
        RAISE EXCEPTION 'app "%" is not owned by organization "%"', app, orgs.org_name(v_org)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Only apps the organization owns can be added to its teams; transfer the app to the organization first.';
    END IF;
    v_level := COALESCE(permission, v_team.default_permission);
    PERFORM orgs.require_level_within_actor(v_app, v_level);
    BEGIN
        INSERT INTO orgs.team_apps (org_id, team_id, app_id, permission)
        VALUES (v_org, v_team.id, v_app, v_level);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%" is already in team "%"', orgs.app_name(v_app), v_team.team_id
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Use orgs.set_team_app_permission to change its level.';
    END;
    PERFORM orgs.write_audit(v_org, 112, 'team_app_added', v_team.team_id::text,
                             jsonb_build_object('app', orgs.app_name(v_app), 'permission', v_level));
END;
$$;
COMMENT ON FUNCTION orgs.add_team_app(text, text, text, orgs.team_permission) IS
    'Give a team an app the organization owns at a level (teams.manage_apps); NULL means the team''s default level.';

CREATE FUNCTION orgs.set_team_app_permission(org_id text, team_id text, app text,
                                             permission orgs.team_permission)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint;
    v_team orgs.teams;
    v_app bigint;
    v_old orgs.team_permission;
BEGIN
    IF permission IS NULL THEN
        RAISE EXCEPTION 'permission must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := orgs.visible_org(org_id);
    PERFORM orgs.require_org_permission(v_org, 'teams.manage_apps', 'change team app permissions in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    v_app := orgs.resolve_app(app);
    SELECT ta.permission INTO v_old FROM orgs.team_apps ta
     WHERE ta.team_id = v_team.id AND ta.app_id = v_app FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app "%" is not in team "%"', orgs.app_name(v_app), v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs.require_level_within_actor(v_app, permission);
    IF v_old = permission THEN
        RETURN;                 -- nothing changes, nothing to log
    END IF;
    UPDATE orgs.team_apps ta SET permission = set_team_app_permission.permission
     WHERE ta.team_id = v_team.id AND ta.app_id = v_app;
    PERFORM orgs.write_audit(v_org, 108, 'team_updated', v_team.team_id::text,
                             jsonb_build_object('app', orgs.app_name(v_app),
                                                'permission', jsonb_build_object('old', v_old, 'new', permission)));
END;
$$;
COMMENT ON FUNCTION orgs.set_team_app_permission(text, text, text, orgs.team_permission) IS
    'Change the level at which a team holds an app (teams.manage_apps).';

CREATE FUNCTION orgs.remove_team_app(org_id text, team_id text, app text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_org bigint := orgs.visible_org(org_id);
    v_team orgs.teams;
    v_app bigint;
    v_old orgs.team_permission;
BEGIN
    PERFORM orgs.require_org_permission(v_org, 'teams.manage_apps', 'remove team apps in organization %s');
    v_team := orgs.visible_team(v_org, team_id);
    v_app := orgs.resolve_app(app);
    DELETE FROM orgs.team_apps ta WHERE ta.team_id = v_team.id AND ta.app_id = v_app
    RETURNING ta.permission INTO v_old;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app "%" is not in team "%"', orgs.app_name(v_app), v_team.team_id
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM orgs.write_audit(v_org, 113, 'team_app_removed', v_team.team_id::text,
                             jsonb_build_object('app', orgs.app_name(v_app), 'permission', v_old));
END;
$$;
COMMENT ON FUNCTION orgs.remove_team_app(text, text, text) IS 'Take an app away from a team (teams.manage_apps).';
--------------------------------------------------------------------------
-- Apps (API.md "Apps")
--------------------------------------------------------------------------
--
-- An app is owned by a user (a personal app: its owner holds everything on
-- it, nobody else anything) or by an organization.  Apps are named in text
-- as 'owner/app_id'.  A personal app, or an org app, can be transferred
-- into an organization (app.transfer on the app, apps.create in the
-- organization), optionally with a new app ID; its team grants in the old
-- organization go with the move (trigger app_owner_change).

CREATE FUNCTION orgs.create_app(owner text, app_id text, description text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_handle text := orgs.current_user_handle();
    v_org bigint;
    v_owner_name text;
    v_id bigint;
BEGIN
    PERFORM orgs.check_identifier('app ID', app_id);
    IF lower(owner) = lower(v_handle) THEN
        v_owner_name := v_handle;               -- a personal app
    ELSE
        v_org := CASE WHEN owner IS NULL THEN NULL ELSE orgs.lookup_org(owner) END;
        IF v_org IS NULL OR NOT COALESCE(orgs.has_org_permission(v_org, 'org.view'), false) THEN
            IF owner IS NOT NULL AND orgs.lookup_user(owner) IS NOT NULL THEN
                RAISE EXCEPTION 'permission denied to create apps for user "%"', owner
                    USING ERRCODE = 'insufficient_privilege',
                          DETAIL = 'A personal app can be created only by its owner.';
            END IF;
            RAISE EXCEPTION 'owner "%" does not exist', owner
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'The owner of an app is the acting user or an organization.';
        END IF;
        PERFORM orgs.require_org_permission(v_org, 'apps.create', 'create apps in organization %s');
        v_owner_name := orgs.org_name(v_org);
    END IF;
    BEGIN
        INSERT INTO orgs.apps AS a (org_id, owner_user_id, app_id, description, created_by)
        VALUES (v_org, CASE WHEN v_org IS NULL THEN v_actor END, create_app.app_id,
                create_app.description, v_actor)
        RETURNING a.id INTO v_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%/%" already exists', v_owner_name, app_id
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'App IDs are unique within their owner, compared without regard to case.';
    END;
    PERFORM orgs.write_audit(v_org, 210, 'app_created', orgs.app_name(v_id),
                             jsonb_build_object('app_id', v_id, 'personal', v_org IS NULL,
                                                'description', description));
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION orgs.create_app(text, text, text) IS
    'Create an app owned by the acting user (owner = own handle) or by an organization where the acting user holds apps.create.';

CREATE FUNCTION orgs.transfer_app(app text, to_org text, new_app_id text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_app bigint;
    v_row orgs.apps;
    v_org bigint;
    v_old_name text;
    v_new_id text;
    v_grants jsonb;
BEGIN
    IF new_app_id IS NOT NULL THEN
        PERFORM orgs.check_identifier('app ID', new_app_id);
    END IF;
    v_app := orgs.resolve_app(app);
    SELECT a.* INTO v_row FROM orgs.apps a WHERE a.id = v_app FOR UPDATE;
    IF NOT FOUND THEN               -- deleted while we looked it up
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT COALESCE(orgs.has_app_permission(v_app, 'app.transfer'), false) THEN
        RAISE EXCEPTION 'permission denied to transfer app "%"', orgs.app_name(v_app)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This requires permission "app.transfer" on the app.';
    END IF;
    v_org := orgs.visible_org(to_org);
    PERFORM orgs.require_org_permission(v_org, 'apps.create', 'transfer apps into organization %s');
    IF v_row.org_id = v_org THEN
        RAISE EXCEPTION 'app "%" already belongs to organization "%"', orgs.app_name(v_app), orgs.org_name(v_org)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_old_name := orgs.app_name(v_app);
    v_new_id := COALESCE(new_app_id, v_row.app_id::text);
    SELECT COALESCE(jsonb_agg(jsonb_build_object('team', t.team_id::text, 'permission', ta.permission)
                              ORDER BY t.team_key), '[]') INTO v_grants
      FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
     WHERE ta.app_id = v_app;
    BEGIN
        -- the trigger app_owner_change drops the old team grants
        UPDATE orgs.apps a SET org_id = v_org, owner_user_id = NULL, app_id = v_new_id
         WHERE a.id = v_app;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'app "%/%" already exists', orgs.org_name(v_org), v_new_id
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Pass new_app_id to give the app another ID in the organization.';
    END;
    PERFORM orgs.write_audit(v_org, 211, 'app_transferred_in', orgs.app_name(v_app),
                             jsonb_build_object('app_id', v_app, 'from', v_old_name));
    -- the giving side: its org, or (org_id NULL) the owner of a personal app
    PERFORM orgs.write_audit(v_row.org_id, 212, 'app_transferred_out', v_old_name,
                             jsonb_build_object('app_id', v_app, 'to', orgs.app_name(v_app),
                                                'dropped_team_grants', v_grants));
END;
$$;
COMMENT ON FUNCTION orgs.transfer_app(text, text, text) IS
    'Move an app into an organization (app.transfer on the app, apps.create in the organization), optionally with a new app ID; its old team grants go.';

CREATE FUNCTION orgs.delete_app(app text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_actor bigint := orgs.require_actor();
    v_app bigint := orgs.resolve_app(app);
    v_row orgs.apps;
    v_name text;
    v_grants jsonb;
BEGIN
    SELECT a.* INTO v_row FROM orgs.apps a WHERE a.id = v_app FOR UPDATE;
    IF NOT FOUND THEN               -- deleted while we looked it up
        RAISE EXCEPTION 'app "%" does not exist', app USING ERRCODE = 'undefined_object';
    END IF;
    v_name := orgs.app_name(v_app);
    IF NOT COALESCE(orgs.has_app_permission(v_app, 'app.delete'), false) THEN
        RAISE EXCEPTION 'permission denied to delete app "%"', v_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'This requires permission "app.delete" on the app.';
    END IF;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('team', t.team_id::text, 'permission', ta.permission)
                              ORDER BY t.team_key), '[]') INTO v_grants
      FROM orgs.team_apps ta JOIN orgs.teams t ON t.id = ta.team_id
     WHERE ta.app_id = v_app;
    DELETE FROM orgs.apps a WHERE a.id = v_app;     -- team grants cascade
    PERFORM orgs.write_audit(v_row.org_id, 213, 'app_deleted', v_name,
                             jsonb_build_object('app_id', v_app, 'dropped_team_grants', v_grants));
END;
$$;
COMMENT ON FUNCTION orgs.delete_app(text) IS 'Delete an app and its team grants (app.delete).';
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
-- policy shows nothing.  Each policy computes the set of orgs or apps once
-- per statement (an initplan over orgs.orgs_with_permission or
-- orgs.apps_with_permission), so the planner keeps using indexes.
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
--     shared org; and, per PERMISSIONS.md (team_members.view: "see the
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

CREATE FUNCTION orgs.may_see_user_names(user_id bigint)
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

CREATE FUNCTION orgs.may_see_user_email(user_id bigint)
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
CREATE POLICY org_view ON orgs.organizations FOR SELECT
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('org.view'))::bigint[]));
COMMENT ON POLICY org_view ON orgs.organizations IS
    'Members holding org.view (every role) see their organizations.';

GRANT SELECT ON orgs.owner_names TO PUBLIC;
CREATE POLICY own_or_visible ON orgs.owner_names FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id())
           OR org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('org.view'))::bigint[]));
COMMENT ON POLICY own_or_visible ON orgs.owner_names IS
    'One''s own handle, and the IDs of the organizations one may see.';

GRANT SELECT (id, handle, handle_key, created_at) ON orgs.users TO PUBLIC;
CREATE POLICY self_or_shared_org ON orgs.users FOR SELECT
    USING (id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id())
           OR EXISTS (SELECT 1 FROM orgs.members m
                       WHERE m.user_id OPERATOR(pg_catalog.=) users.id
                         AND m.org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('members.view'))::bigint[])));
COMMENT ON POLICY self_or_shared_org ON orgs.users IS
    'Yourself, and the users who share an organization with you where you hold members.view.';

GRANT SELECT ON orgs.members TO PUBLIC;
CREATE POLICY members_view ON orgs.members FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('members.view'))::bigint[])
           OR user_id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id()));
COMMENT ON POLICY members_view ON orgs.members IS
    'The members of the organizations where you hold members.view, and your own memberships.';

GRANT SELECT ON orgs.apps TO PUBLIC;
CREATE POLICY app_view ON orgs.apps FOR SELECT
    USING (id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.apps_with_permission('app.view'))::bigint[]));
COMMENT ON POLICY app_view ON orgs.apps IS
    'The apps on which you hold app.view.';

GRANT SELECT ON orgs.teams TO PUBLIC;
CREATE POLICY teams_view ON orgs.teams FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('teams.view'))::bigint[]));
COMMENT ON POLICY teams_view ON orgs.teams IS
    'The teams of the organizations where you hold teams.view.';

GRANT SELECT ON orgs.team_members TO PUBLIC;
CREATE POLICY teams_view ON orgs.team_members FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('teams.view'))::bigint[])
           OR user_id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id()));
COMMENT ON POLICY teams_view ON orgs.team_members IS
    'The team memberships of the organizations where you hold teams.view, and your own.';

GRANT SELECT ON orgs.team_apps TO PUBLIC;
CREATE POLICY teams_view ON orgs.team_apps FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('teams.view'))::bigint[]));
COMMENT ON POLICY teams_view ON orgs.team_apps IS
    'The team apps of the organizations where you hold teams.view.';

GRANT SELECT (id, org_id, email, role, state, invited_by, created_at, expires_at, decided_at, decided_by)
    ON orgs.invitations TO PUBLIC;
CREATE POLICY manager_or_invitee ON orgs.invitations FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('members.manage'))::bigint[])
           OR email::text OPERATOR(pg_catalog.=) (SELECT orgs.current_user_email()));
COMMENT ON POLICY manager_or_invitee ON orgs.invitations IS
    'The invitations of the organizations where you hold members.manage, and those addressed to your e-mail.';

GRANT SELECT ON orgs.notifications TO PUBLIC;
CREATE POLICY addressee ON orgs.notifications FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id())
           OR email::text OPERATOR(pg_catalog.=) (SELECT orgs.current_user_email()));
COMMENT ON POLICY addressee ON orgs.notifications IS
    'Your notifications, by user key or by e-mail address.';

GRANT SELECT ON orgs.audit_log TO PUBLIC;
CREATE POLICY audit_view ON orgs.audit_log FOR SELECT
    USING (org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('audit.view'))::bigint[])
           OR (org_id IS NULL AND actor_id OPERATOR(pg_catalog.=) (SELECT orgs.current_user_id())));
COMMENT ON POLICY audit_view ON orgs.audit_log IS
    'The audit log of the organizations where you hold audit.view, and your own personal-app events.';

--------------------------------------------------------------------------
-- Views for people
--------------------------------------------------------------------------

CREATE VIEW orgs.me WITH (security_barrier) AS
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

CREATE VIEW orgs.my_orgs WITH (security_barrier) AS
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

CREATE VIEW orgs.my_invitations WITH (security_barrier) AS
SELECT i.id AS invitation_id, o.org_id::text AS org_id, o.name AS org_name, i.role,
       inviter.handle::text AS invited_by, i.created_at, i.expires_at
  FROM orgs.invitations i
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) i.org_id
  LEFT JOIN orgs.users inviter ON inviter.id OPERATOR(pg_catalog.=) i.invited_by
 WHERE i.email::text OPERATOR(pg_catalog.=) orgs.current_user_email()
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

CREATE VIEW orgs.org_invitations WITH (security_barrier) AS
SELECT o.org_id::text AS org_id, i.id AS invitation_id, i.email::text AS email, i.role,
       orgs.invitation_effective_state(i.state, i.expires_at) AS state,
       inviter.handle::text AS invited_by, i.created_at, i.expires_at, i.decided_at
  FROM orgs.invitations i
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) i.org_id
  LEFT JOIN orgs.users inviter ON inviter.id OPERATOR(pg_catalog.=) i.invited_by
 WHERE i.org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('members.manage'))::bigint[]);
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

CREATE VIEW orgs.org_members WITH (security_barrier) AS
SELECT o.org_id::text AS org_id, u.handle::text AS user_handle, m.role, m.created_at AS joined_at,
       CASE WHEN orgs.may_see_user_email(u.id) THEN u.email::text END AS email,
       CASE WHEN orgs.may_see_user_names(u.id) THEN u.first_name END AS first_name,
       CASE WHEN orgs.may_see_user_names(u.id) THEN u.last_name END AS last_name
  FROM orgs.members m
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) m.org_id
  JOIN orgs.users u ON u.id OPERATOR(pg_catalog.=) m.user_id
 WHERE m.org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('members.view'))::bigint[])
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

CREATE VIEW orgs.org_teams WITH (security_barrier) AS
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
 WHERE t.org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('teams.view'))::bigint[]);
COMMENT ON VIEW orgs.org_teams IS
    'Teams of the organizations where the acting user holds teams.view, with their members (handles) and apps (name and level).';
COMMENT ON COLUMN orgs.org_teams.org_id IS 'The organization''s ID.';
COMMENT ON COLUMN orgs.org_teams.team_id IS 'The team''s ID.';
COMMENT ON COLUMN orgs.org_teams.name IS 'The team''s display name.';
COMMENT ON COLUMN orgs.org_teams.default_permission IS 'Level used when an app is added without one.';
COMMENT ON COLUMN orgs.org_teams.created_at IS 'When the team was created.';
COMMENT ON COLUMN orgs.org_teams.members IS 'Handles of the team''s members, sorted.';
COMMENT ON COLUMN orgs.org_teams.apps IS 'The team''s apps as [{"app": "owner/app_id", "permission": level}], sorted.';

CREATE VIEW orgs.app_teams WITH (security_barrier) AS
SELECT o.org_id::text OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) a.app_id::text AS app,
       o.org_id::text AS org_id, t.team_id::text AS team_id, t.name AS team_name,
       ta.permission, ta.created_at AS added_at
  FROM orgs.team_apps ta
  JOIN orgs.apps a ON a.id OPERATOR(pg_catalog.=) ta.app_id
  JOIN orgs.teams t ON t.id OPERATOR(pg_catalog.=) ta.team_id
  JOIN orgs.organizations o ON o.id OPERATOR(pg_catalog.=) ta.org_id
 WHERE ta.app_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.apps_with_permission('app.view'))::bigint[])
   AND ta.org_id OPERATOR(pg_catalog.=) ANY ((SELECT orgs.orgs_with_permission('teams.view'))::bigint[]);
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
-- Row-level security for application tables (orgs.protect_table)
--------------------------------------------------------------------------

-- An application table whose rows belong to an app (a bigint column holding
-- orgs.apps.id) or to an organization (orgs.organizations.id) is guarded by
-- four named policies, one per command:
--
--   pg_orgs_select  FOR SELECT USING (col = ANY (granted keys))
--   pg_orgs_insert  FOR INSERT WITH CHECK (col = ANY (granted keys))
--   pg_orgs_update  FOR UPDATE USING (...) WITH CHECK (...)
--   pg_orgs_delete  FOR DELETE USING (...)
--
-- "granted keys" is (SELECT orgs.apps_with_permission('p'))::int8[] or
-- (SELECT orgs.orgs_with_permission('p'))::int8[]: an uncorrelated
-- scalar sub-select (the cast keeps "= ANY" from reading it as a sub-query
-- of rows), so
-- the planner runs it once per statement (an InitPlan) and can use an index
-- on the column (Index Cond: col = ANY ($0)).  Every name in the generated
-- expressions is schema-qualified, and the policy is created under
-- search_path = pg_catalog, pg_temp: the caller's search_path at creation
-- or at query time cannot change what the policy means.  WITH CHECK on
-- INSERT and UPDATE means a row can be written only into an app (org) where
-- the acting user holds the write permission: it cannot be moved into an
-- app the user may not write.  A command with no policy is refused to
-- everyone subject to row-level security (fail closed).  On a partitioned
-- table the policies guard queries through the parent; protect the
-- partitions too if they are queried directly.

-- The permission list for one command: the explicit argument if given
-- ('' or blank means "no policy"), else resource.<action> (and, for org
-- scope, resource.manage when resource.<action> does not exist), else the
-- default.  Every name must be a known permission of the scope.  Returns
-- NULL for "no policy", else the normalized comma-separated list.
CREATE FUNCTION orgs.protect_resolve_permission(
    p_scope orgs.permission_scope, p_command text, p_explicit text,
    p_resource text, p_action text, p_default text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_list text;
    v_name text;
    v_out text[] := '{}';
    v_other orgs.permission_scope;
    v_arg text := lower(p_command) || '_permission';
BEGIN
    IF p_explicit IS NOT NULL THEN
        IF btrim(p_explicit) = '' THEN
            RETURN NULL;
        END IF;
        v_list := p_explicit;
    ELSIF p_resource IS NOT NULL THEN
        v_list := lower(btrim(p_resource)) || '.' || p_action;
        IF NOT EXISTS (SELECT 1 FROM orgs.permissions p
                        WHERE p.scope = p_scope AND p.name = v_list) THEN
            IF p_scope = 'org' AND p_action <> 'view'
               AND EXISTS (SELECT 1 FROM orgs.permissions p
                            WHERE p.scope = p_scope
                              AND p.name = lower(btrim(p_resource)) || '.manage') THEN
                v_list := lower(btrim(p_resource)) || '.manage';
            ELSE
                RAISE EXCEPTION 'resource "%" has no "%" permission', p_resource, p_action
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = format('No %s-level permission is named "%s".', p_scope, v_list),
                          HINT = format('Pass %s to name the permission %s needs, or '''' for no %s policy.',
                                        v_arg, p_command, p_command);
            END IF;
        END IF;
    ELSE
        RETURN p_default;
    END IF;

    FOREACH v_name IN ARRAY string_to_array(v_list, ',') LOOP
        v_name := lower(btrim(v_name));
        IF NOT EXISTS (SELECT 1 FROM orgs.permissions p
                        WHERE p.scope = p_scope AND p.name = v_name) THEN
            v_other := CASE p_scope WHEN 'app' THEN 'org' ELSE 'app' END;
            IF EXISTS (SELECT 1 FROM orgs.permissions p
                        WHERE p.scope = v_other AND p.name = v_name) THEN
                RAISE EXCEPTION 'permission "%" is not an %-level permission', v_name, p_scope
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = format('"%s" is checked on %s; %s needs %s-level permissions.',
                                          v_name,
                                          CASE v_other WHEN 'org' THEN 'organizations' ELSE 'apps' END,
                                          CASE p_scope WHEN 'app' THEN 'orgs.protect_table' ELSE 'orgs.protect_org_table' END,
                                          p_scope),
                          HINT = CASE v_other WHEN 'org'
                                      THEN 'Use orgs.protect_org_table for tables whose rows belong to an organization.'
                                      ELSE 'Use orgs.protect_table for tables whose rows belong to an app.' END;
            END IF;
            RAISE EXCEPTION 'unrecognized permission: "%"', v_name
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT v_name = ANY (v_out) THEN
            v_out := v_out || v_name;
        END IF;
    END LOOP;
    RETURN array_to_string(v_out, ',');
END;
$$;
COMMENT ON FUNCTION orgs.protect_resolve_permission(orgs.permission_scope, text, text, text, text, text) IS
    'Internal (orgs.protect_table): the validated permission list one command''s policy checks, or NULL for no policy.';

-- The work of protect_table and protect_org_table.
CREATE FUNCTION orgs.protect_internal(
    p_scope orgs.permission_scope, p_tbl regclass, p_column name,
    p_select text, p_insert text, p_update text, p_delete text,
    p_resource text, p_row_filter text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rel record;
    v_att record;
    v_fn text := CASE p_scope WHEN 'app' THEN 'orgs.apps_with_permission'
                              ELSE 'orgs.orgs_with_permission' END;
    v_caller text := CASE p_scope WHEN 'app' THEN 'orgs.protect_table'
                                  ELSE 'orgs.protect_org_table' END;
    v_kind text := CASE p_scope WHEN 'app' THEN 'app' ELSE 'organization' END;
    v_sel text;
    v_ins text;
    v_upd text;
    v_del text;
    v_filter text := '';
    v_name text;
BEGIN
    IF p_tbl IS NULL OR p_column IS NULL THEN
        RAISE EXCEPTION 'table and column must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT c.oid, c.relkind, c.relowner, c.relname, n.nspname
      INTO v_rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_tbl;
    IF v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', p_tbl::text
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Row-level security policies can be attached to tables and partitioned tables only.';
    END IF;
    IF NOT pg_has_role(current_user, v_rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', quote_ident(v_rel.relname)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only the owner of table %s can change its row-level security policies.', p_tbl::text);
    END IF;
    SELECT a.attname, a.atttypid INTO v_att
      FROM pg_attribute a
     WHERE a.attrelid = p_tbl AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', p_column, v_rel.relname
            USING ERRCODE = 'undefined_column';
    END IF;
    IF v_att.atttypid <> 'pg_catalog.int8'::regtype THEN
        RAISE EXCEPTION 'column "%" of relation "%" must be of type bigint', p_column, v_rel.relname
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('It is of type %s; it must hold the %s''s key (orgs.%s.id).',
                                  format_type(v_att.atttypid, NULL), v_kind,
                                  CASE p_scope WHEN 'app' THEN 'apps' ELSE 'organizations' END);
    END IF;
    IF p_resource IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM orgs.permissions p
             WHERE p.scope = p_scope
               AND split_part(p.name, '.', 1) = lower(btrim(p_resource))) THEN
        RAISE EXCEPTION 'unrecognized resource: "%"', p_resource
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('No %s-level permission is named "%s.*".', p_scope, lower(btrim(p_resource)));
    END IF;

    v_sel := orgs.protect_resolve_permission(p_scope, 'SELECT', p_select, p_resource, 'view',
                                             CASE p_scope WHEN 'app' THEN 'app.view' ELSE 'org.view' END);
    v_ins := orgs.protect_resolve_permission(p_scope, 'INSERT', p_insert, p_resource, 'create', NULL);
    v_upd := orgs.protect_resolve_permission(p_scope, 'UPDATE', p_update, p_resource, 'edit', NULL);
    v_del := orgs.protect_resolve_permission(p_scope, 'DELETE', p_delete, p_resource, 'delete', NULL);

    IF p_row_filter IS NOT NULL AND btrim(p_row_filter) <> '' THEN
        v_filter := ' AND (' || p_row_filter || ')';
    END IF;

    FOR v_name IN
        SELECT p.polname FROM pg_policy p
         WHERE p.polrelid = p_tbl
           AND p.polname IN ('pg_orgs_select', 'pg_orgs_insert', 'pg_orgs_update', 'pg_orgs_delete')
    LOOP
        EXECUTE format('DROP POLICY %I ON %s', v_name, p_tbl::text);
    END LOOP;

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_tbl::text);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_tbl::text);

    IF v_sel IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_select ON %s AS PERMISSIVE FOR SELECT TO PUBLIC'
                       ' USING ((%I OPERATOR(pg_catalog.=) ANY ((SELECT %s(%L::text))::pg_catalog.int8[]))%s)',
                       p_tbl::text, p_column, v_fn, v_sel, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_select ON %s IS %L', p_tbl::text,
                       format('%s: SELECT needs %s-level "%s" on the row''s %s (column "%s").',
                              v_caller, p_scope, v_sel, v_kind, p_column));
    END IF;
    IF v_ins IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_insert ON %s AS PERMISSIVE FOR INSERT TO PUBLIC'
                       ' WITH CHECK ((%I OPERATOR(pg_catalog.=) ANY ((SELECT %s(%L::text))::pg_catalog.int8[]))%s)',
                       p_tbl::text, p_column, v_fn, v_ins, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_insert ON %s IS %L', p_tbl::text,
                       format('%s: INSERT needs %s-level "%s" on the new row''s %s (column "%s").',
                              v_caller, p_scope, v_ins, v_kind, p_column));
    END IF;
    IF v_upd IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_update ON %s AS PERMISSIVE FOR UPDATE TO PUBLIC'
                       ' USING ((%I OPERATOR(pg_catalog.=) ANY ((SELECT %s(%L::text))::pg_catalog.int8[]))%s)'
                       ' WITH CHECK ((%I OPERATOR(pg_catalog.=) ANY ((SELECT %s(%L::text))::pg_catalog.int8[]))%s)',
                       p_tbl::text, p_column, v_fn, v_upd, v_filter,
                       p_column, v_fn, v_upd, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_update ON %s IS %L', p_tbl::text,
                       format('%s: UPDATE needs %s-level "%s" on the row''s %s, before and after (column "%s").',
                              v_caller, p_scope, v_upd, v_kind, p_column));
    END IF;
    IF v_del IS NOT NULL THEN
        EXECUTE format('CREATE POLICY pg_orgs_delete ON %s AS PERMISSIVE FOR DELETE TO PUBLIC'
                       ' USING ((%I OPERATOR(pg_catalog.=) ANY ((SELECT %s(%L::text))::pg_catalog.int8[]))%s)',
                       p_tbl::text, p_column, v_fn, v_del, v_filter);
        EXECUTE format('COMMENT ON POLICY pg_orgs_delete ON %s IS %L', p_tbl::text,
                       format('%s: DELETE needs %s-level "%s" on the row''s %s (column "%s").',
                              v_caller, p_scope, v_del, v_kind, p_column));
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.protect_internal(orgs.permission_scope, regclass, name, text, text, text, text, text, text) IS
    'Internal: the work of orgs.protect_table and orgs.protect_org_table.';

CREATE FUNCTION orgs.protect_table(
    tbl regclass,
    app_column name,
    select_permission text DEFAULT NULL,
    insert_permission text DEFAULT NULL,
    update_permission text DEFAULT NULL,
    delete_permission text DEFAULT NULL,
    resource text DEFAULT NULL,
    row_filter text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs.protect_internal('app', tbl, app_column,
                                 select_permission, insert_permission,
                                 update_permission, delete_permission,
                                 resource, row_filter);
END;
COMMENT ON FUNCTION orgs.protect_table(regclass, name, text, text, text, text, text, text) IS
$$Guard a table whose rows belong to an app (app_column: bigint, orgs.apps.id) with row-level security: enables and forces RLS and (re)creates policies pg_orgs_select/insert/update/delete, each requiring an app-level permission on the row's app via orgs.apps_with_permission (once per statement; indexes on app_column stay usable). INSERT and UPDATE also check the new row, so a row cannot be moved into an app the acting user may not write. resource => 'models' means models.view / models.create / models.edit / models.delete; an explicit *_permission (a comma-separated list: any one suffices) overrides it, and '' means no policy, so that command is refused. Without resource, SELECT needs app.view and writes are refused. row_filter is an extra boolean SQL expression ANDed into every policy (parsed with search_path = pg_catalog: qualify names). Only the table's owner may call it. Re-running replaces the policies; other policies on the table are left alone.$$;

CREATE FUNCTION orgs.protect_org_table(
    tbl regclass,
    org_column name,
    select_permission text DEFAULT NULL,
    insert_permission text DEFAULT NULL,
    update_permission text DEFAULT NULL,
    delete_permission text DEFAULT NULL,
    resource text DEFAULT NULL,
    row_filter text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT orgs.protect_internal('org', tbl, org_column,
                                 select_permission, insert_permission,
                                 update_permission, delete_permission,
                                 resource, row_filter);
END;
COMMENT ON FUNCTION orgs.protect_org_table(regclass, name, text, text, text, text, text, text) IS
$$Guard a table whose rows belong to an organization (org_column: bigint, orgs.organizations.id) with row-level security: as orgs.protect_table, with org-level permissions checked via orgs.orgs_with_permission. resource => 'clusters' means clusters.view for SELECT and, where clusters.create / .edit / .delete do not exist, clusters.manage for writes. Without resource, SELECT needs org.view and writes are refused.$$;

CREATE FUNCTION orgs.unprotect_table(tbl regclass, disable_rls boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rel record;
    v_name text;
    v_found boolean := false;
BEGIN
    SELECT c.relkind, c.relowner, c.relname INTO v_rel FROM pg_class c WHERE c.oid = tbl;
    IF NOT FOUND OR v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl::text USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(current_user, v_rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', quote_ident(v_rel.relname)
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only the owner of table %s can change its row-level security policies.', tbl::text);
    END IF;
    FOREACH v_name IN ARRAY ARRAY['pg_orgs_select', 'pg_orgs_insert', 'pg_orgs_update', 'pg_orgs_delete'] LOOP
        IF EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = tbl AND p.polname = v_name) THEN
            v_found := true;
            EXECUTE format('DROP POLICY %I ON %s', v_name, tbl::text);
        END IF;
    END LOOP;
    IF NOT v_found THEN
        RAISE EXCEPTION 'table % is not protected by pg_orgs', tbl::text
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'It has none of the policies pg_orgs_select, pg_orgs_insert, pg_orgs_update, pg_orgs_delete.';
    END IF;
    IF disable_rls THEN
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl::text);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl::text);
    END IF;
END;
$$;
COMMENT ON FUNCTION orgs.unprotect_table(regclass, boolean) IS
    'Remove the policies orgs.protect_table / orgs.protect_org_table made (pg_orgs_select/insert/update/delete). Row-level security stays enabled and forced, so the table fails closed, unless disable_rls is true. Only the table''s owner may call it.';
