DROP TRIGGER documents_no_delete;
DROP TRIGGER documents_no_update;
DROP TRIGGER votes_no_delete;
DROP TRIGGER votes_no_update;
DROP TRIGGER decisions_no_delete;
DROP TRIGGER decisions_no_update;
DROP TABLE access_log;
