-- SQLite's twin builds an FTS5 trigram index for the caseload's name search.
-- PostgreSQL already has one (the pg_trgm GIN index of migration
-- 2026-12-06-000011), so nothing changes here; the migration exists so both backends
-- have the same list.
SELECT 1;
