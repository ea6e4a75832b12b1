-- Apps (issue 6): a partner's applications with a client ID and a hashed, rotatable secret, and
-- their authorizations by customer tenants per environment. An authorization is asked for by
-- email (a hashed, single-use, expiring token per request or edit) and becomes active when the
-- customer's contact approves; one active authorization per app, tenant and environment.
CREATE TABLE apps (
    id TEXT PRIMARY KEY NOT NULL,               -- UUIDv7 from the application
    partner_tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,                     -- lower-cased: unique per partner regardless of case
    description TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL UNIQUE,
    secret_rotated_at TIMESTAMP NOT NULL,
    created_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX apps_partner_name ON apps(partner_tenant_id, name_key);
CREATE INDEX apps_partner ON apps(partner_tenant_id, id);

CREATE TABLE app_authorizations (
    id TEXT PRIMARY KEY NOT NULL,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    partner_tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE, -- set when the contact approves
    customer_name TEXT NOT NULL,                -- as the partner typed it
    customer_name_key TEXT NOT NULL,            -- lower-cased, for search
    account_number TEXT NOT NULL,               -- the Cust ID the partner typed
    environment TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'declined', 'expired', 'removed')),
    valid_until TIMESTAMP,
    contact_email TEXT NOT NULL,
    contact_email_key TEXT NOT NULL,
    info TEXT NOT NULL,
    requested_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    requested_at TIMESTAMP NOT NULL,
    authorized_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    authorized_at TIMESTAMP,
    last_used_at TIMESTAMP,
    ended_at TIMESTAMP,
    end_reason TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX app_authorizations_counts ON app_authorizations(app_id, environment, status);
CREATE INDEX app_authorizations_by_app ON app_authorizations(app_id, environment, id);
CREATE INDEX app_authorizations_by_partner ON app_authorizations(partner_tenant_id, environment, id);
CREATE INDEX app_authorizations_by_tenant ON app_authorizations(tenant_id, environment, id);
CREATE UNIQUE INDEX app_authorizations_one_active
    ON app_authorizations(app_id, tenant_id, environment) WHERE status = 'active';

CREATE TABLE app_authorization_requests (
    id TEXT PRIMARY KEY NOT NULL,
    authorization_id TEXT NOT NULL REFERENCES app_authorizations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('request', 'edit')),
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'cancelled')),
    contact_email TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,                 -- edit: whom the partner submits it for
    environment TEXT NOT NULL,                  -- what the authorization becomes when approved
    valid_until TIMESTAMP,
    info TEXT NOT NULL,
    requested_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    answered_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    answered_at TIMESTAMP
);
CREATE INDEX app_authorization_requests_by_authorization
    ON app_authorization_requests(authorization_id, status);
