-- The enum types of 0.1.0, now unused.
DROP TYPE orgs.org_role_0_1;
DROP TYPE orgs.team_permission_0_1;
