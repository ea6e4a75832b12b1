-- The prefix search of Account Management (src/services/links/prefix.rs) finds the links whose
-- email or customer name starts with the search by a range of these keys, which is exact only when
-- they compare byte-wise. A database created with another default collation (en_US.UTF-8, say)
-- would sort 'customer-1' and 'customer1' by other rules; the C collation makes PostgreSQL compare
-- like SQLite on every machine (lists ordered by name_key, tenants and sub-accounts, then sort as
-- they do on SQLite: by code point). The indexes on them are rebuilt.
ALTER TABLE access_grants ALTER COLUMN email_key TYPE TEXT COLLATE "C";
ALTER TABLE tenants ALTER COLUMN name_key TYPE TEXT COLLATE "C";
