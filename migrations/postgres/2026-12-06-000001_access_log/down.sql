DROP TRIGGER documents_no_truncate ON documents;
DROP TRIGGER documents_no_update ON documents;
DROP TRIGGER votes_no_truncate ON votes;
DROP TRIGGER votes_no_update ON votes;
DROP TRIGGER decisions_no_truncate ON decisions;
DROP TRIGGER decisions_no_update ON decisions;
DROP TABLE access_log;
DROP FUNCTION evidence_append_only();
