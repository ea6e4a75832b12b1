DROP INDEX access_grants_limiting_role;
DROP INDEX roles_tenant_name_key;
