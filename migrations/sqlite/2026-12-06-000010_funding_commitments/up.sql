-- Band and funding commitments on a plan: the band a panel or an admin confirmed (or
-- set against the plugin's advice, with reasons), its yearly place funding, top-up and
-- other elements in pence, the advice and plugin it came from, and the days it runs.
-- Append-only: a change of band is a new commitment from a later day, never an edit;
-- the funding ledger reads each one as running until the next begins.
CREATE TABLE funding_commitments (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    placement_id TEXT NOT NULL REFERENCES placements (id),
    setting_id TEXT NOT NULL REFERENCES education_settings (id),
    band_code TEXT NOT NULL CHECK (length(band_code) BETWEEN 1 AND 100),
    band_title TEXT NOT NULL CHECK (length(band_title) BETWEEN 1 AND 200),
    place_funding_pence BIGINT NOT NULL CHECK (place_funding_pence >= 0),
    top_up_pence BIGINT NOT NULL CHECK (top_up_pence >= 0),
    other_elements_json TEXT NOT NULL,
    advice_id TEXT NULL REFERENCES policy_advice (id),
    plugin_sha256 TEXT NULL,
    tariff_rule TEXT NULL,
    departs_from_advice BOOLEAN NOT NULL,
    reasons TEXT NULL CHECK (reasons IS NULL OR length(reasons) BETWEEN 1 AND 5000),
    starts_on DATE NOT NULL,
    ends_on DATE NULL CHECK (ends_on IS NULL OR ends_on >= starts_on),
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX funding_commitments_by_case ON funding_commitments (authority_id, case_id, decided_at);
CREATE INDEX funding_commitments_by_start ON funding_commitments (authority_id, starts_on);
CREATE TRIGGER funding_commitments_no_update BEFORE UPDATE ON funding_commitments
BEGIN
    SELECT RAISE(ABORT, 'funding_commitments is append-only');
END;
CREATE TRIGGER funding_commitments_no_delete BEFORE DELETE ON funding_commitments
BEGIN
    SELECT RAISE(ABORT, 'funding_commitments is append-only');
END;
