-- The foundation schema. Every table holding case data carries authority_id, and every
-- query in core/src/store scopes by it. Ids are UUIDv7 text made by the application.
-- Timestamps are UTC; statutory dates are calendar dates (Europe/London).

CREATE TABLE authorities (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    la_number INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('caseworker', 'panel_member', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_authority ON users (authority_id);

CREATE TABLE children (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    upn TEXT NOT NULL,
    nhs_number TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (authority_id, upn)
);

CREATE TABLE requests (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    received_on DATE NOT NULL,
    requested_by TEXT NOT NULL CHECK (requested_by IN ('parent', 'young_person', 'setting')),
    requester TEXT NOT NULL,
    setting_type TEXT NOT NULL,
    primary_need TEXT NOT NULL,
    summary TEXT NOT NULL,
    logged_at TIMESTAMP NOT NULL
);
CREATE INDEX requests_authority ON requests (authority_id, received_on);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    request_id TEXT NOT NULL UNIQUE REFERENCES requests (id),
    stage TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_authority ON cases (authority_id, stage);

CREATE TABLE panels (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (authority_id, code)
);

CREATE TABLE panel_members (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    panel_id TEXT NOT NULL REFERENCES panels (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    UNIQUE (panel_id, user_id, role)
);

CREATE TABLE sittings (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    panel_id TEXT NOT NULL REFERENCES panels (id),
    sits_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'open', 'closed'))
);
CREATE INDEX sittings_authority ON sittings (authority_id, sits_on);

CREATE TABLE agenda_items (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    sitting_id TEXT NOT NULL REFERENCES sittings (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL CHECK (position >= 1),
    decision_kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'decided', 'deferred')),
    UNIQUE (sitting_id, position)
);

CREATE TABLE votes (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    choice TEXT NOT NULL CHECK (choice IN ('agree', 'disagree', 'abstain')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    cast_at TIMESTAMP NOT NULL
);
CREATE INDEX votes_item ON votes (agenda_item_id, user_id, cast_at);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    agenda_item_id TEXT REFERENCES agenda_items (id),
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('agreed', 'refused', 'deferred')),
    reasons TEXT NOT NULL CHECK (length(trim(reasons)) > 0),
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_case ON decisions (authority_id, case_id);

CREATE TABLE deadlines (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'met', 'disapplied'))
);
CREATE INDEX deadlines_due ON deadlines (authority_id, status, due_on);

CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    template_version TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_case ON documents (authority_id, case_id);

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT REFERENCES cases (id),
    case_sequence BIGINT,
    kind TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    actor TEXT REFERENCES users (id),
    occurred_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, case_sequence),
    CHECK ((case_id IS NULL) = (case_sequence IS NULL))
);
CREATE INDEX events_authority ON events (authority_id, id);

-- The event log is the audit trail: the database itself refuses to change or remove it.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
