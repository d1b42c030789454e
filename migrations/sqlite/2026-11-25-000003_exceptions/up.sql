-- Exceptions to the statutory time limits (SEND Regulations 2014 reg. 5(4), 8(2),
-- 10(4) and 13(3)). An exception does not move a date: the limit stops applying and
-- the duty falls back to "as soon as practicable". So each claim is kept as a record
-- with its limb, its evidence, the dates it covers, who claimed it and when the family
-- was told; SEN2's "20-week exceptions apply" is derived from these rows, never ticked
-- by hand. Like events and advice, the record is append-only.

CREATE TABLE deadline_exceptions (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    deadline_kind TEXT NOT NULL CHECK (deadline_kind IN
        ('decide_whether_to_assess', 'advice_due', 'decide_not_to_issue', 'final_plan')),
    limb TEXT NOT NULL CHECK (limb IN ('school_closure', 'early_years_closure',
        'personal_circumstances', 'absence_from_area', 'missed_appointment')),
    evidence TEXT NOT NULL CHECK (length(trim(evidence)) > 0),
    applies_from DATE NOT NULL,
    applies_to DATE,
    claimed_by TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    family_told_on DATE NOT NULL,
    -- Only the limbs each regulation lists: reg. 5(4) for the decision whether to
    -- assess, reg. 8(2) for advice, reg. 10(4) (and 13(3), applying it) for the 16-
    -- and 20-week limits. Reviews, phase transfers and amendments have none.
    CHECK (
        (deadline_kind = 'decide_whether_to_assess'
            AND limb IN ('school_closure', 'personal_circumstances', 'absence_from_area'))
        OR (deadline_kind = 'advice_due'
            AND limb IN ('personal_circumstances', 'absence_from_area', 'missed_appointment'))
        OR (deadline_kind IN ('decide_not_to_issue', 'final_plan')
            AND limb IN ('school_closure', 'early_years_closure', 'personal_circumstances',
                'absence_from_area'))
    ),
    CHECK (applies_to IS NULL OR applies_to >= applies_from),
    CHECK (family_told_on >= applies_from),
    -- The person who claimed it is a user of the same authority.
    FOREIGN KEY (authority_id, claimed_by) REFERENCES users (authority_id, id)
);
CREATE INDEX deadline_exceptions_case ON deadline_exceptions (authority_id, case_id);

-- An exception claimed is part of the record the family and the Tribunal rely on: the
-- database refuses to change or remove it.
CREATE TRIGGER deadline_exceptions_no_update BEFORE UPDATE ON deadline_exceptions
BEGIN
    SELECT RAISE(ABORT, 'deadline exceptions are append-only');
END;
CREATE TRIGGER deadline_exceptions_no_delete BEFORE DELETE ON deadline_exceptions
BEGIN
    SELECT RAISE(ABORT, 'deadline exceptions are append-only');
END;
