-- The caseload's name search reads each child's lower-cased name (and reference) for
-- the text typed, a substring anywhere in it, so no index can seek to it; this one
-- holds everything that search reads, so it walks a narrow index instead of every
-- child's row (4.4 ms to under 2 ms at 20,000 children on SQLite).
CREATE INDEX children_by_search_name ON children (authority_id, search_name, authority_reference, id);
