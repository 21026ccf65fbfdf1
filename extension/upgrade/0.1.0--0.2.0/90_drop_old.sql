--------------------------------------------------------------------------
-- 0.1.0's helpers of protect_table, replaced by the functions' own body
-- (the code pieces replaced protect_table and protect_org_table first).
--------------------------------------------------------------------------
DROP FUNCTION orgs.protect_internal(orgs.permission_scope, regclass, name, text, text, text, text, text, text);
DROP FUNCTION orgs.protect_resolve_permission(orgs.permission_scope, text, text, text, text, text);
