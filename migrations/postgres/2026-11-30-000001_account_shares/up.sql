-- Account shares (DESIGN §2): access grants of origin 'share', created connected by a managing
-- tenant, limited by one of its roles. The Shared accounts page lists a managing tenant's shares
-- by the limiting role's tenant; one active share per account and target.
CREATE INDEX access_grants_by_limiting_role ON access_grants(limiting_role_id, origin, status, id);
CREATE UNIQUE INDEX access_grants_one_share ON access_grants(owner_tenant_id, grantee_tenant_id)
    WHERE status = 'connected' AND origin = 'share';
