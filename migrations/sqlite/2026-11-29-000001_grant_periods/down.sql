DROP INDEX access_grants_ending;
ALTER TABLE access_grants DROP COLUMN requested_by_user_id;
ALTER TABLE access_grants DROP COLUMN requested_at;
ALTER TABLE access_grants DROP COLUMN requested_role_id;
ALTER TABLE access_grants DROP COLUMN reminded_1d_at;
ALTER TABLE access_grants DROP COLUMN reminded_7d_at;
ALTER TABLE access_grants DROP COLUMN access_ends_at;
