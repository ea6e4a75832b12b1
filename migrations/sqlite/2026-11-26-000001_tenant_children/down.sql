DROP INDEX tenants_parent_name;
