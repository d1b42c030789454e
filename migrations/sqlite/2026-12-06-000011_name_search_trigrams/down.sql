-- Nothing was added on SQLite.
SELECT 1;
