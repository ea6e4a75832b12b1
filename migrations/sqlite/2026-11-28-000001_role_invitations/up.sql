-- Invitations to roles (issue 4): a tenant's user with users.invite emails someone a link to
-- one of the tenant's roles. Same token rules as partner invitations: the emailed token is kept
-- only as a SHA-256 hash, works once, expires, and is bound to the invited address.

CREATE TABLE role_invitations (
    id TEXT PRIMARY KEY NOT NULL,               -- UUIDv7: ordered by time
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    email TEXT NOT NULL,                        -- the invited address as typed
    email_key TEXT NOT NULL,                    -- lower-cased, for the pending rule and matching
    token_hash TEXT NOT NULL UNIQUE,            -- replaced by Resend: the old link stops working
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
    expires_at TIMESTAMP NOT NULL,
    invited_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    invited_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One pending invitation per role and address.
CREATE UNIQUE INDEX role_invitations_one_pending ON role_invitations(role_id, email_key)
    WHERE status = 'pending';
-- The Users & roles page: a tenant's invitations by status, newest first.
CREATE INDEX role_invitations_tenant ON role_invitations(tenant_id, status, id);

-- People with access: a tenant's memberships in keyset order.
CREATE INDEX memberships_tenant_id ON memberships(tenant_id, id);
