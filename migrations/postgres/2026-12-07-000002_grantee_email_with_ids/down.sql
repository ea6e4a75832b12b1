DROP INDEX access_grants_grantee_email;
CREATE INDEX access_grants_grantee_email ON access_grants(grantee_tenant_id, email_key);
