DROP INDEX audit_grant;
