DROP INDEX audit_grantee;
ALTER TABLE audit_events DROP COLUMN grantee_tenant_id;
