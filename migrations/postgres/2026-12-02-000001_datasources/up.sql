-- Data sources (issue 7): a named connection definition owned by a tenant, shared with other
-- tenants under an exact permission set (nothing inherited from roles). The password is
-- encrypted by the application (XChaCha20-Poly1305, key from --datasource-key).
CREATE TABLE datasources (
    id TEXT PRIMARY KEY NOT NULL,               -- UUIDv7 from the application
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    owner_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,                     -- lower-cased: unique per tenant regardless of case
    kind TEXT NOT NULL CHECK (kind IN ('postgresql', 'mysql', 'sqlserver', 'oracle', 'rest', 'other')),
    host TEXT NOT NULL,
    port INTEGER,
    database TEXT NOT NULL,
    username TEXT NOT NULL,
    password_ciphertext TEXT NOT NULL,          -- base64(nonce || ciphertext); empty: no password
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX datasources_tenant_name ON datasources(tenant_id, name_key);

CREATE TABLE datasource_shares (
    datasource_id TEXT NOT NULL REFERENCES datasources(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    permissions TEXT NOT NULL,                  -- comma-separated catalogue names
    PRIMARY KEY (datasource_id, tenant_id)
);
CREATE INDEX datasource_shares_by_tenant ON datasource_shares(tenant_id, datasource_id);
