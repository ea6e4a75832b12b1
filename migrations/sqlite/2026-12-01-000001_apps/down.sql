DROP TABLE app_authorization_requests;
DROP TABLE app_authorizations;
DROP TABLE apps;
