-- pg_orgs install script.  Assembled by the Makefile: the schema pieces
-- (extension/schema/*.sql: this one holds the types and tables), then the
-- code pieces (extension/NN_*.sql), in file-name order.
\echo Use "CREATE EXTENSION pg_orgs" to load this file. \quit

--------------------------------------------------------------------------
-- The extension's schema must be under the control of the role installing
-- it alone.  A schema "orgs" that another role owns, or in which other
-- roles may create objects, or that holds objects, would let them change what
-- the extension's SECURITY DEFINER functions call (CVE-2022-2625 is the
-- same kind of hole): refuse it.  (The empty schema that DROP EXTENSION
-- leaves behind, owned by the role that installed it, is fine.)
--------------------------------------------------------------------------
DO $$
DECLARE
    v_why text;
BEGIN
    SELECT CASE
             WHEN n.nspowner OPERATOR(pg_catalog.<>)
                  (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
             THEN pg_catalog.format('it is owned by role %s, who could change what the extension''s functions call', n.nspowner::pg_catalog.regrole)
             WHEN EXISTS (SELECT 1 FROM pg_catalog.aclexplode(n.nspacl) a
                           WHERE a.grantee OPERATOR(pg_catalog.<>) n.nspowner
                             AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE')
             THEN 'other roles may create objects in it'
             WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
                             AND d.refobjid OPERATOR(pg_catalog.=) n.oid
                             AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_extension'::pg_catalog.regclass)
             THEN 'it holds objects'
           END INTO v_why
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname OPERATOR(pg_catalog.=) 'orgs';
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'schema "orgs" already exists'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = 'pg_orgs uses a schema "orgs" only if it was made by the role installing the extension, is empty and nobody else may create objects in it: ' || v_why || '.',
                  HINT = 'Drop or rename the existing schema "orgs", then run CREATE EXTENSION pg_orgs again.';
    END IF;
END;
$$;

--------------------------------------------------------------------------
-- The extension's internal functions (trigger functions, helpers of the
-- flows) live in a schema of their own, on nobody's search_path, with no
-- privilege for PUBLIC: \df orgs.* shows the contract and nothing else.
--------------------------------------------------------------------------
CREATE SCHEMA orgs_internal;
COMMENT ON SCHEMA orgs_internal IS
    'pg_orgs''s internal functions: not an interface; no privilege for PUBLIC.';
REVOKE ALL ON SCHEMA orgs_internal FROM PUBLIC;

--------------------------------------------------------------------------
-- Types and domains
--------------------------------------------------------------------------

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
    CHECK (pg_catalog.length(VALUE) OPERATOR(pg_catalog.<=) 254
           AND VALUE OPERATOR(pg_catalog.~) '^[^@[:space:]]+@[^@[:space:]]+$'
           AND CASE WHEN pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8'
                    THEN VALUE IS NFC NORMALIZED
                    ELSE VALUE OPERATOR(pg_catalog.~) '^[ -~]+$' END);
COMMENT ON DOMAIN orgs.email IS
    'An e-mail address as the application verified it: no white space, at most 254 characters, in Unicode normalization form NFC (ASCII in a database that is not UTF8). Two addresses are the same when equal after lowering ASCII letters (the email_key columns).';

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
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    email_key   text COLLATE "C" NOT NULL
                GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED
);
ALTER SEQUENCE orgs.users_id_seq OWNED BY orgs.users.id;
CREATE UNIQUE INDEX users_handle_key ON orgs.users (handle_key);
CREATE UNIQUE INDEX users_email_key ON orgs.users (email_key);
CREATE UNIQUE INDEX users_db_role_key ON orgs.users (db_role);
COMMENT ON TABLE orgs.users IS 'Accounts: people who can act in organizations.';
COMMENT ON COLUMN orgs.users.id IS 'The user''s key.';
COMMENT ON COLUMN orgs.users.handle IS 'The user''s handle, unique without regard to case among handles and org IDs.';
COMMENT ON COLUMN orgs.users.handle_key IS 'lower(handle): the key of uniqueness and look-up.';
COMMENT ON COLUMN orgs.users.email IS 'Verified e-mail address, as given (trimmed).';
COMMENT ON COLUMN orgs.users.first_name IS 'First name (visible to team leads under team_members.view).';
COMMENT ON COLUMN orgs.users.last_name IS 'Last name (visible to team leads under team_members.view).';
COMMENT ON COLUMN orgs.users.db_role IS 'A database role that acts as this user without act_as (orgs.link_db_role).';
COMMENT ON COLUMN orgs.users.created_at IS 'When the account was registered.';
COMMENT ON COLUMN orgs.users.email_key IS 'The e-mail address with ASCII letters lowered: the key of uniqueness and comparison (orgs.email_key).';

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
    role_scope bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id),
    CONSTRAINT members_role_scope_check
        CHECK (role_scope OPERATOR(pg_catalog.=) 0 OR role_scope OPERATOR(pg_catalog.=) org_id)
);
CREATE INDEX members_user_id_idx ON orgs.members (user_id);
COMMENT ON TABLE orgs.members IS 'Memberships: one role per user per org; a user may belong to any number of orgs.';
COMMENT ON COLUMN orgs.members.org_id IS 'The organization.';
COMMENT ON COLUMN orgs.members.user_id IS 'The member.';
COMMENT ON COLUMN orgs.members.role IS 'The member''s role in this org.';
COMMENT ON COLUMN orgs.members.created_at IS 'When the user joined.';
COMMENT ON COLUMN orgs.members.role_scope IS 'Where the role is defined: 0 for a role of every organization, the org''s key for one of its own roles (set by a trigger).';

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
    created_by    bigint REFERENCES orgs.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    is_public     boolean NOT NULL DEFAULT false,
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
COMMENT ON COLUMN orgs.apps.created_by IS 'The user who created the app.';
COMMENT ON COLUMN orgs.apps.created_at IS 'When the app was created.';
COMMENT ON COLUMN orgs.apps.is_public IS 'Whether the application lists the app publicly (app.visibility); pg_orgs grants nothing for it.';

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
    CONSTRAINT invitations_role_scope_check
        CHECK (role_scope OPERATOR(pg_catalog.=) 0 OR role_scope OPERATOR(pg_catalog.=) org_id),
    CONSTRAINT invitations_expiry_range
        CHECK (expires_at OPERATOR(pg_catalog.>) created_at
               AND expires_at OPERATOR(pg_catalog.<=) (created_at OPERATOR(pg_catalog.+) '30 days'::interval)),
    CONSTRAINT invitations_decided_iff_not_pending
        CHECK ((state OPERATOR(pg_catalog.=) 'pending') OPERATOR(pg_catalog.=) (decided_at IS NULL)),
    email_key   text COLLATE "C" NOT NULL
                GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED,
    role_scope  bigint DEFAULT 0
);
ALTER SEQUENCE orgs.invitations_id_seq OWNED BY orgs.invitations.id;
CREATE UNIQUE INDEX invitations_token_hash_key ON orgs.invitations (token_hash);
CREATE UNIQUE INDEX invitations_one_pending ON orgs.invitations (org_id, email_key)
    WHERE state OPERATOR(pg_catalog.=) 'pending';
CREATE INDEX invitations_email_idx ON orgs.invitations (email_key);
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
COMMENT ON COLUMN orgs.invitations.role_scope IS 'Where the role is defined: 0 for a role of every organization, the org''s key for one of its own roles (set by a trigger); NULL once the role of a decided invitation is dropped.';
COMMENT ON COLUMN orgs.invitations.email_key IS 'The e-mail address with ASCII letters lowered (orgs.email_key): compared with the invitee''s.';

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
COMMENT ON TABLE orgs.audit_log IS 'Append-only log of organization events (codes in docs/reference.md).';
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
    CHECK (pg_catalog.num_nonnulls(user_id, email) OPERATOR(pg_catalog.>=) 1),
    email_key  text COLLATE "C"
               GENERATED ALWAYS AS (pg_catalog.translate(email::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED
);
ALTER SEQUENCE orgs.notifications_id_seq OWNED BY orgs.notifications.id;
CREATE INDEX notifications_user_id_idx ON orgs.notifications (user_id);
CREATE INDEX notifications_email_idx ON orgs.notifications (email_key);
COMMENT ON TABLE orgs.notifications IS 'In-platform notifications (the notification bar), read by their addressee.';
COMMENT ON COLUMN orgs.notifications.id IS 'The notification''s key.';
COMMENT ON COLUMN orgs.notifications.user_id IS 'The addressee, if registered.';
COMMENT ON COLUMN orgs.notifications.email IS 'The addressee''s e-mail (an invitee may not have an account yet).';
COMMENT ON COLUMN orgs.notifications.org_id IS 'The organization concerned.';
COMMENT ON COLUMN orgs.notifications.event IS 'What happened (invitation, invitation_accepted, ...).';
COMMENT ON COLUMN orgs.notifications.payload IS 'Event data (ids; never a token).';
COMMENT ON COLUMN orgs.notifications.created_at IS 'When the notification was made.';
COMMENT ON COLUMN orgs.notifications.read_at IS 'When the addressee marked it read.';
COMMENT ON COLUMN orgs.notifications.email_key IS 'The e-mail address with ASCII letters lowered (orgs.email_key).';
