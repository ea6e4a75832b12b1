-- Custom roles: names are unique within a tenant regardless of case (the race is settled here).
CREATE UNIQUE INDEX roles_tenant_name_key ON roles(tenant_id, lower(name));
-- A role cannot be deleted while a grant uses it as its limiting role.
CREATE INDEX access_grants_limiting_role ON access_grants(limiting_role_id);
