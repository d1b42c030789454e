DROP INDEX children_search_name_trigrams;
DROP EXTENSION IF EXISTS pg_trgm;
