--------------------------------------------------------------------------
-- Nobody but the extension's owner calls the internal functions.
--------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA orgs_internal FROM PUBLIC;
REVOKE ALL ON SCHEMA orgs_internal FROM PUBLIC;
