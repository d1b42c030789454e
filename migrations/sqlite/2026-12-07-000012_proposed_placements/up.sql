-- The placement an officer puts to the placement panel (Torbay's IPOP) with an agenda
-- item: what the papers show, and what the plan names if the chair names it. One per
-- item, never edited: a different proposal is a new item.
CREATE TABLE proposed_placements (
    agenda_item_id TEXT PRIMARY KEY NOT NULL REFERENCES agenda_items (id),
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
    expected_latest TEXT NULL
);
