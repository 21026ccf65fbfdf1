--------------------------------------------------------------------------
-- Apps: is_public (boolean, changed by orgs.update_app under
-- app.visibility) replaces 0.1.0's text column visibility ('private' or
-- 'public'), with the same value.
--------------------------------------------------------------------------
ALTER TABLE orgs.apps ADD COLUMN is_public boolean NOT NULL DEFAULT false;
UPDATE orgs.apps SET is_public = true WHERE visibility OPERATOR(pg_catalog.=) 'public';
ALTER TABLE orgs.apps DROP COLUMN visibility;
COMMENT ON COLUMN orgs.apps.is_public IS 'Whether the application lists the app publicly (app.visibility); pg_orgs grants nothing for it.';
