DROP INDEX audit_grantee;
CREATE INDEX audit_grantee ON audit_events(grantee_tenant_id, id);
DROP INDEX audit_grant;
CREATE INDEX audit_grant ON audit_events(grant_id, id);
DROP INDEX audit_action_ip;
CREATE INDEX audit_action_ip ON audit_events(action, ip, occurred_at);
CREATE INDEX access_grants_limiting_role ON access_grants(limiting_role_id);
CREATE INDEX memberships_tenant ON memberships(tenant_id);
CREATE INDEX tenants_parent ON tenants(parent_id);
