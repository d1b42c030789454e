-- PostgreSQL's twin adds a trigram index for the caseload's name search. SQLite has no
-- trigram index outside FTS5, and walks the covering `children_by_search_name` index
-- (migration 2026-12-06-000005) fast enough (under 2 ms at 20,000 children), so
-- nothing changes here; the migration exists so both backends have the same list.
SELECT 1;
