DROP INDEX grant_extensions_by_grant;
DROP TABLE grant_extensions;
