-- Panels online (issue 5): who sits at a sitting and whether present, who opened which
-- papers (UK GDPR art. 22: the human review must be real), conflicts declared per
-- item, the proposal members vote on, the family's e-mail for letters, and the outbox
-- every e-mail is written to in the transaction of the decision that caused it.

CREATE TABLE sitting_members (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    sitting_id TEXT NOT NULL REFERENCES sittings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    present_at TIMESTAMP,
    UNIQUE (sitting_id, user_id)
);

CREATE TABLE paper_openings (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX paper_openings_item ON paper_openings (agenda_item_id, user_id);

CREATE TABLE conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    declared_at TIMESTAMP NOT NULL,
    UNIQUE (agenda_item_id, user_id)
);

ALTER TABLE agenda_items ADD COLUMN proposal TEXT;
ALTER TABLE sittings ADD COLUMN starts_at TEXT NOT NULL DEFAULT '10:00';
ALTER TABLE sittings ADD COLUMN location TEXT NOT NULL DEFAULT 'Online';
ALTER TABLE requests ADD COLUMN contact_email TEXT;

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT REFERENCES cases (id),
    purpose TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BYTEA NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Opening papers is evidence; it is never edited or removed.
CREATE FUNCTION paper_openings_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'paper openings are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER paper_openings_no_update BEFORE UPDATE OR DELETE ON paper_openings
    FOR EACH ROW EXECUTE FUNCTION paper_openings_append_only();
