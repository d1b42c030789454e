DROP INDEX children_search_name_trigrams;
-- pg_trgm stays: it may have been installed before this migration, and other
-- objects may use it.
