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
-- as sent) are evidence: the database itself refuses to change or remove them.
CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER decisions_no_update BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER votes_no_update BEFORE UPDATE OR DELETE ON votes
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER votes_no_truncate BEFORE TRUNCATE ON votes
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER documents_no_update BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
