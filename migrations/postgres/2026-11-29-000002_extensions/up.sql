-- A grantee's request to extend an access period, confirmed by the owner from an emailed link
-- (the token is stored only as a hash, spent once, and expires) or from the Partner access page.
CREATE TABLE grant_extensions (
    id TEXT PRIMARY KEY NOT NULL,
    grant_id TEXT NOT NULL REFERENCES access_grants(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    requested_ends_at TIMESTAMP NOT NULL,
    requested_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- 'pending', then 'confirmed' or 'superseded' (a newer request replaced it).
    status TEXT NOT NULL,
    answered_at TIMESTAMP
);
CREATE INDEX grant_extensions_by_grant ON grant_extensions(grant_id, status);
