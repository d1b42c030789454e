-- Documents uploaded as evidence on a case: a setting's SEN support plan, an
-- educational psychologist's report, health or social care advice, the family's views.
-- The bytes live in the document store (local disk, S3 or Azure), addressed by their
-- SHA-256, so the same file is kept once however often it is uploaded; the row says
-- what the document is, who wrote it and when. Rows are never deleted by the service.
CREATE TABLE evidence (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('support_plan', 'ep_report', 'health_advice', 'social_care_advice', 'family_views', 'school_report', 'other')),
    file_name TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    author_organisation TEXT NOT NULL CHECK (length(author_organisation) BETWEEN 1 AND 200),
    written_on DATE NOT NULL,
    areas TEXT NOT NULL,
    received_through TEXT NOT NULL CHECK (received_through IN ('upload', 'advice_link')),
    uploaded_by TEXT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    -- Set when the retention job removed the bytes, years after the case closed.
    removed_at TIMESTAMP NULL,
    UNIQUE (case_id, sha256)
);
CREATE INDEX evidence_by_case ON evidence (authority_id, case_id, written_on);
CREATE INDEX evidence_by_hash ON evidence (sha256);

-- A panel member opening one document from a sitting's papers; with the papers'
-- openings, the record that the panel read what it decided on (UK GDPR art. 22).
CREATE TABLE evidence_openings (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items (id),
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_openings_by_item ON evidence_openings (agenda_item_id, user_id);

-- A link sent to a professional asked for advice (SEND Regulations 2014 reg. 6, 8):
-- it opens an upload page without an account. Only its SHA-256 is kept; it works once,
-- until it expires or a caseworker revokes it, and only for its own case and request.
CREATE TABLE advice_links (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    deadline_id TEXT NOT NULL REFERENCES deadlines (id),
    source TEXT NOT NULL,
    recipient_name TEXT NOT NULL CHECK (length(recipient_name) BETWEEN 1 AND 200),
    recipient_email TEXT NOT NULL CHECK (length(recipient_email) BETWEEN 3 AND 254),
    question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
    token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP NULL,
    revoked_at TIMESTAMP NULL,
    evidence_id TEXT NULL REFERENCES evidence (id)
);
CREATE INDEX advice_links_by_case ON advice_links (authority_id, case_id);

-- A chaser e-mail sent for an advice link, at most once per point before the limit:
-- the primary key is what stops a restart or a second server sending it twice.
CREATE TABLE advice_chasers (
    link_id TEXT NOT NULL REFERENCES advice_links (id),
    days_before INTEGER NOT NULL CHECK (days_before > 0),
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (link_id, days_before)
);

-- Opening an uploaded document reads the child's record, and is logged as such.
-- SQLite cannot change a CHECK in place: the table is rebuilt, triggers included.
CREATE TABLE access_log_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    what TEXT NOT NULL CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes', 'subject_access', 'document')),
    route TEXT NOT NULL CHECK (length(route) BETWEEN 1 AND 200),
    read_at TIMESTAMP NOT NULL,
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
INSERT INTO access_log_rebuilt SELECT id, authority_id, user_id, role, case_id, child_id, what, route, read_at FROM access_log;
DROP TABLE access_log;
ALTER TABLE access_log_rebuilt RENAME TO access_log;
CREATE INDEX access_log_by_child ON access_log (authority_id, child_id, read_at);
CREATE INDEX access_log_by_user ON access_log (authority_id, user_id, read_at);
CREATE INDEX access_log_by_time ON access_log (authority_id, read_at);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
