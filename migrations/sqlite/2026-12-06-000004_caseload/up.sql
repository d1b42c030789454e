-- A whole caseload: children without a UPN (under-5s, post-16, home-educated), corrected
-- details with the old value kept, an allocated officer per case, the soonest open
-- deadline kept on the case so the caseload can be searched and paged by it, closure
-- with its reason (withdrawn, appeal window passed) and reopening, plans and requests
-- imported from an earlier system (matched again by their reference), case notes, and
-- the daily deadline digest sent once per person per day.

-- SQLite cannot drop NOT NULL from a column: the children table is rebuilt with its rows.
-- Migrations run with foreign keys off (store::migrate), so the rebuild keeps references.
CREATE TABLE children_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    upn TEXT NULL,
    nhs_number TEXT,
    created_at TIMESTAMP NOT NULL,
    -- The authority's own reference for the child: how a child without a UPN is told
    -- apart from another of the same name and date of birth.
    authority_reference TEXT NULL CHECK (length(authority_reference) BETWEEN 1 AND 40),
    -- SEN2 module 1 items, as the DfE's common basic data set codes them.
    sex TEXT NULL CHECK (sex IN ('M', 'F', 'U')),
    ethnicity TEXT NULL CHECK (length(ethnicity) BETWEEN 4 AND 4),
    postcode TEXT NULL CHECK (length(postcode) BETWEEN 5 AND 8),
    -- Lower-cased "given family" for search: SQLite's LIKE and PostgreSQL's differ on case.
    search_name TEXT NOT NULL DEFAULT '',
    UNIQUE (authority_id, upn),
    UNIQUE (authority_id, authority_reference)
);
INSERT INTO children_rebuilt (id, authority_id, given_name, family_name, date_of_birth, upn, nhs_number, created_at, search_name)
    SELECT id, authority_id, given_name, family_name, date_of_birth, upn, nhs_number, created_at,
           lower(given_name || ' ' || family_name)
    FROM children;
DROP TABLE children;
ALTER TABLE children_rebuilt RENAME TO children;
CREATE INDEX children_by_birth ON children (authority_id, date_of_birth, family_name);
CREATE INDEX children_by_nhs_number ON children (authority_id, nhs_number);

-- The officer the case is allocated to (history in the case's events), the soonest open
-- deadline ('9999-12-31' when nothing is due, so the caseload pages on one key), and
-- how a closed case closed.
ALTER TABLE cases ADD COLUMN officer_id TEXT NULL REFERENCES users (id);
ALTER TABLE cases ADD COLUMN next_due_on DATE NOT NULL DEFAULT '9999-12-31';
ALTER TABLE cases ADD COLUMN closed_on DATE NULL;
ALTER TABLE cases ADD COLUMN closed_reason TEXT NULL CHECK (closed_reason IN ('withdrawn', 'appeal_window_passed', 'transferred_out', 'ceased'));
ALTER TABLE cases ADD COLUMN reopen_stage TEXT NULL;
-- The earlier system's reference for an imported plan or request: a re-run skips it.
ALTER TABLE cases ADD COLUMN external_reference TEXT NULL CHECK (length(external_reference) BETWEEN 1 AND 60);
-- The setting the child attends, as the record names it (imported plans carry it).
ALTER TABLE cases ADD COLUMN setting_name TEXT NULL CHECK (length(setting_name) BETWEEN 1 AND 200);
UPDATE cases SET next_due_on = COALESCE(
    (SELECT min(d.due_on) FROM deadlines d WHERE d.case_id = cases.id AND d.status = 'open'),
    '9999-12-31');
CREATE UNIQUE INDEX cases_external_reference ON cases (authority_id, external_reference);
CREATE INDEX cases_by_due ON cases (authority_id, next_due_on, id);
CREATE INDEX cases_by_officer ON cases (authority_id, officer_id, next_due_on, id);
CREATE INDEX cases_by_child ON cases (authority_id, child_id);
CREATE INDEX deadlines_by_case ON deadlines (case_id, status, due_on);

-- A correction to a child's details: who, when, why, and the value it replaced.
CREATE TABLE child_corrections (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    child_id TEXT NOT NULL REFERENCES children (id),
    field TEXT NOT NULL,
    old_value TEXT NULL,
    new_value TEXT NULL,
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    corrected_by TEXT NOT NULL REFERENCES users (id),
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX child_corrections_by_child ON child_corrections (authority_id, child_id, corrected_at);
CREATE TRIGGER child_corrections_no_update BEFORE UPDATE ON child_corrections
BEGIN
    SELECT RAISE(ABORT, 'child_corrections is append-only');
END;
CREATE TRIGGER child_corrections_no_delete BEFORE DELETE ON child_corrections
BEGIN
    SELECT RAISE(ABORT, 'child_corrections is append-only');
END;

-- Calls, e-mails, meetings and visits with the family and professionals.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('phone_call', 'email', 'meeting', 'visit', 'letter', 'other')),
    with_whom TEXT NOT NULL CHECK (length(with_whom) BETWEEN 1 AND 200),
    occurred_on DATE NOT NULL,
    summary TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_by_case ON case_notes (authority_id, case_id, occurred_on);

-- Whether a person wants the daily deadline digest (on unless they opt out), and each
-- digest sent: one per person, kind and day, so a restart never sends one twice.
ALTER TABLE users ADD COLUMN deadline_digest BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE digests_sent (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('officer', 'manager')),
    sent_on DATE NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, kind, sent_on)
);
