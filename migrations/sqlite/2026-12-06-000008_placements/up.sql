-- Placements decided for a case: the setting the plan names from a day, the family's
-- preference, the reasons, and each service's share of the cost in pence a year.
-- Append-only: a change of placement is a new row.
CREATE TABLE placements (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    setting_id TEXT NOT NULL REFERENCES education_settings (id),
    starts_on DATE NOT NULL,
    parental_preference TEXT NULL,
    mainstream_requested BOOLEAN NOT NULL,
    reasons TEXT NOT NULL CHECK (length(reasons) BETWEEN 1 AND 5000),
    independent_justification TEXT NULL CHECK (independent_justification IN ('needs_cannot_be_met_elsewhere', 'tribunal_backed_preference')),
    education_pence BIGINT NOT NULL CHECK (education_pence >= 0),
    health_pence BIGINT NOT NULL CHECK (health_pence >= 0),
    social_care_pence BIGINT NOT NULL CHECK (social_care_pence >= 0),
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX placements_by_case ON placements (authority_id, case_id, decided_at);
CREATE TRIGGER placements_no_update BEFORE UPDATE ON placements
BEGIN
    SELECT RAISE(ABORT, 'placements is append-only');
END;
CREATE TRIGGER placements_no_delete BEFORE DELETE ON placements
BEGIN
    SELECT RAISE(ABORT, 'placements is append-only');
END;
