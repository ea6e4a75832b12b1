-- A role's permissions are only ever read and written by their key (role, permission), so the
-- table is its primary key: one B-tree instead of a table and an index that repeats it. Creating
-- an account writes ~50 of these rows (seven pages in each accepted invitation's transaction,
-- now four).
CREATE TABLE role_permissions_by_key (
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
) WITHOUT ROWID;
INSERT INTO role_permissions_by_key (role_id, permission)
    SELECT role_id, permission FROM role_permissions;
DROP TABLE role_permissions;
ALTER TABLE role_permissions_by_key RENAME TO role_permissions;
