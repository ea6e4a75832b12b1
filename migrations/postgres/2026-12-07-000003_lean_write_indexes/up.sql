-- Every index is one more page each write transaction dirties, writes to the WAL and copies back
-- (accepting an invitation wrote 53 pages). These indexes cost writes and served nothing:

-- Each is the start of a longer index that answers the same lookups (foreign keys included):
-- tenants_parent_name (parent_id, name_key), memberships_tenant_id (tenant_id, id) and
-- access_grants_by_limiting_role (limiting_role_id, origin, status, id).
DROP INDEX tenants_parent;
DROP INDEX memberships_tenant;
DROP INDEX access_grants_limiting_role;

-- Most events record no IP, no grant and so no grantee. Every lookup
-- through these indexes compares the column with a value, which rules out NULL, so indexing only
-- the events that have one answers the same queries.
DROP INDEX audit_action_ip;
CREATE INDEX audit_action_ip ON audit_events(action, ip, occurred_at) WHERE ip IS NOT NULL;
DROP INDEX audit_grant;
CREATE INDEX audit_grant ON audit_events(grant_id, id) WHERE grant_id IS NOT NULL;
DROP INDEX audit_grantee;
CREATE INDEX audit_grantee ON audit_events(grantee_tenant_id, id)
    WHERE grantee_tenant_id IS NOT NULL;
