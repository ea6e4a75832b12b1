-- Access periods (an optional end date on partner links and shares) and the reminders sent
-- before it; a pending change of the access level of a live link, awaiting the owner's consent.
ALTER TABLE access_grants ADD COLUMN access_ends_at TIMESTAMP;
ALTER TABLE access_grants ADD COLUMN reminded_7d_at TIMESTAMP;
ALTER TABLE access_grants ADD COLUMN reminded_1d_at TIMESTAMP;
ALTER TABLE access_grants ADD COLUMN requested_role_id TEXT REFERENCES roles(id);
ALTER TABLE access_grants ADD COLUMN requested_at TIMESTAMP;
ALTER TABLE access_grants ADD COLUMN requested_by_user_id TEXT REFERENCES users(id) ON DELETE SET NULL;
-- The sweeper finds connected grants whose period ends soon or has ended.
CREATE INDEX access_grants_ending ON access_grants(status, access_ends_at);
