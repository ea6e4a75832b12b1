ALTER TABLE access_grants ALTER COLUMN email_key TYPE TEXT COLLATE "default";
ALTER TABLE tenants ALTER COLUMN name_key TYPE TEXT COLLATE "default";
