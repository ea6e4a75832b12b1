-- PostgreSQL keeps every table apart from its indexes; only SQLite's layout changes here.
SELECT 1;
