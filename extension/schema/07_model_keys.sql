-- pg_orgs install script, schema piece: the keys that tie roles and team
-- levels to the rows that hold them (after the default model is in; the
-- upgrade from 0.1.0 adds them with this file too).  Renaming a role or
-- level renames it where it is held.  A decided invitation keeps the name
-- of a role that is dropped (its role_scope becomes NULL, which takes it
-- out of the key); a pending one holds the role like a member.

ALTER TABLE orgs.members ADD CONSTRAINT members_role_fkey FOREIGN KEY (role_scope, role)
    REFERENCES orgs.roles (role_scope, name) ON UPDATE CASCADE;
ALTER TABLE orgs.invitations ADD CONSTRAINT invitations_role_fkey FOREIGN KEY (role_scope, role)
    REFERENCES orgs.roles (role_scope, name) ON UPDATE CASCADE ON DELETE SET NULL (role_scope);
ALTER TABLE orgs.teams ADD CONSTRAINT teams_default_permission_fkey FOREIGN KEY (default_permission)
    REFERENCES orgs.team_levels (name) ON UPDATE CASCADE;
ALTER TABLE orgs.team_apps ADD CONSTRAINT team_apps_permission_fkey FOREIGN KEY (permission)
    REFERENCES orgs.team_levels (name) ON UPDATE CASCADE;

