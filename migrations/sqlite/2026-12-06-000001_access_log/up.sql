-- Who read which child's record: one row per read (a case page, an API read, a letter,
-- a sitting's papers, minutes), with the reader, their role when they read, the case
-- and child, what was read and through which route. Auditors list it per child and per
-- user; nothing changes or removes a row.
CREATE TABLE access_log (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    what TEXT NOT NULL CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes')),
    route TEXT NOT NULL CHECK (length(route) BETWEEN 1 AND 200),
    read_at TIMESTAMP NOT NULL,
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX access_log_by_child ON access_log (authority_id, child_id, read_at);
CREATE INDEX access_log_by_user ON access_log (authority_id, user_id, read_at);
CREATE INDEX access_log_by_time ON access_log (authority_id, read_at);

-- The access log, decisions, votes (a changed vote is a new row) and documents (letters
-- as sent) are evidence: the database itself refuses to change or remove them. SQLite
-- has no TRUNCATE; DELETE without WHERE fires the delete trigger.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions is append-only');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions is append-only');
END;
CREATE TRIGGER votes_no_update BEFORE UPDATE ON votes
BEGIN
    SELECT RAISE(ABORT, 'votes is append-only');
END;
CREATE TRIGGER votes_no_delete BEFORE DELETE ON votes
BEGIN
    SELECT RAISE(ABORT, 'votes is append-only');
END;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents is append-only');
END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents is append-only');
END;
