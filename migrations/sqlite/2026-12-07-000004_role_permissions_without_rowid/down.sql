CREATE TABLE role_permissions_with_rowid (
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);
INSERT INTO role_permissions_with_rowid (role_id, permission)
    SELECT role_id, permission FROM role_permissions;
DROP TABLE role_permissions;
ALTER TABLE role_permissions_with_rowid RENAME TO role_permissions;
