-- The Activity page of a tenant follows the grants it owns into the audit log.
CREATE INDEX audit_grant ON audit_events(grant_id, id);
