-- Sub-accounts of a tenant listed by name (the tenant overview), without sorting them all.
CREATE INDEX tenants_parent_name ON tenants(parent_id, name_key);
