-- PostgreSQL only: its search keys compare byte-wise from here on (see migrations/postgres). SQLite
-- already compares text byte-wise (BINARY collation), so there is nothing to change here.
SELECT 1;
