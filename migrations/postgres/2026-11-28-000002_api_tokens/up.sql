-- API tokens (DESIGN §11): created on the profile page, shown once, stored only as a SHA-256
-- hash, bound to one tenant, revocable, last use recorded.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,               -- UUIDv7 from the application
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);
CREATE INDEX api_tokens_tenant ON api_tokens(tenant_id);
