DROP TABLE datasource_shares;
DROP TABLE datasources;
