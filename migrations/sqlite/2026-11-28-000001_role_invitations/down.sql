DROP INDEX memberships_tenant_id;
DROP TABLE role_invitations;
