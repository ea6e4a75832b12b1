-- Access grants (DESIGN §2): the owner tenant lets the members of the grantee tenant act on it,
-- capped by a limiting role. Partner links start as an emailed invitation (owner unknown until
-- the customer accepts); account shares (a later feature) are created connected.

CREATE TABLE access_grants (
    id TEXT PRIMARY KEY NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('partner_link', 'share')),
    grantee_tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    limiting_role_id TEXT NOT NULL REFERENCES roles(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'connected', 'declined', 'expired', 'removed')),
    email TEXT NOT NULL DEFAULT '',             -- invited address as typed (partner links)
    email_key TEXT NOT NULL DEFAULT '',         -- lower-cased, for search and the pending rule
    message TEXT NOT NULL DEFAULT '',
    token_hash TEXT UNIQUE,                     -- SHA-256 of the emailed token; NULL once spent
    invitation_expires_at TIMESTAMP,
    invited_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    invited_at TIMESTAMP NOT NULL,
    connected_at TIMESTAMP,
    accepted_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    ended_at TIMESTAMP,
    end_reason TEXT,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status <> 'connected' OR owner_tenant_id IS NOT NULL)
);
-- A customer tenant has at most one connected partner.
CREATE UNIQUE INDEX access_grants_one_partner ON access_grants(owner_tenant_id)
    WHERE status = 'connected' AND origin = 'partner_link';
-- A partner has at most one pending invitation per email address.
CREATE UNIQUE INDEX access_grants_one_pending ON access_grants(grantee_tenant_id, email_key)
    WHERE status = 'pending' AND origin = 'partner_link';
-- Account Management: a partner's links by status, newest first (ids are UUIDv7).
CREATE INDEX access_grants_grantee ON access_grants(grantee_tenant_id, origin, status, id);
CREATE INDEX access_grants_grantee_recent ON access_grants(grantee_tenant_id, id);
CREATE INDEX access_grants_grantee_email ON access_grants(grantee_tenant_id, email_key);
-- The authorization function: the active grants on a tenant.
CREATE INDEX access_grants_owner ON access_grants(owner_tenant_id, status);
CREATE INDEX access_grants_status ON access_grants(status, id);

