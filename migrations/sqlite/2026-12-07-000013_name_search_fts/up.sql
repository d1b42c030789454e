-- The caseload's name search on SQLite, through an FTS5 trigram index: a substring of
-- three or more characters is found from the index instead of by walking every child's
-- name (migration 2026-12-06-000005's covering index, 3 to 4 ms a search at 20,000
-- children). The index keeps its own copy of each name with the child's id and
-- authority, so it never depends on the children table's rowids (which VACUUM may
-- renumber); triggers keep it in step with every insert, name change and delete.
CREATE VIRTUAL TABLE children_name_trigrams USING fts5(
    search_name,
    authority_id UNINDEXED,
    child_id UNINDEXED,
    tokenize = 'trigram'
);
INSERT INTO children_name_trigrams (search_name, authority_id, child_id)
    SELECT search_name, authority_id, id FROM children;
CREATE TRIGGER children_name_trigrams_insert AFTER INSERT ON children
BEGIN
    INSERT INTO children_name_trigrams (search_name, authority_id, child_id)
        VALUES (new.search_name, new.authority_id, new.id);
END;
CREATE TRIGGER children_name_trigrams_update AFTER UPDATE OF search_name ON children
BEGIN
    DELETE FROM children_name_trigrams WHERE child_id = old.id;
    INSERT INTO children_name_trigrams (search_name, authority_id, child_id)
        VALUES (new.search_name, new.authority_id, new.id);
END;
CREATE TRIGGER children_name_trigrams_delete AFTER DELETE ON children
BEGIN
    DELETE FROM children_name_trigrams WHERE child_id = old.id;
END;
