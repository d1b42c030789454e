-- The band and funding an officer puts to the panel that decides banding (Torbay's
-- IPOP) with an agenda item: what the papers show beside the plugin's band advice, and
-- what is committed if the chair confirms it. The same parts as a commitment made
-- outside a sitting: a band (or none, to confirm the advice as given) or hours, other
-- elements, the days it runs, and the case's latest commitment when it was proposed.
-- One per item, never edited: a different proposal is a new item.
CREATE TABLE proposed_commitments (
    agenda_item_id TEXT PRIMARY KEY NOT NULL REFERENCES agenda_items (id),
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    placement_id TEXT NOT NULL REFERENCES placements (id),
    advice_id TEXT NULL REFERENCES policy_advice (id),
    band_code TEXT NULL CHECK (band_code IS NULL OR length(band_code) BETWEEN 1 AND 100),
    band_title TEXT NULL CHECK (band_title IS NULL OR length(band_title) BETWEEN 1 AND 200),
    place_funding_pence BIGINT NULL CHECK (place_funding_pence IS NULL OR place_funding_pence >= 0),
    top_up_pence BIGINT NULL CHECK (top_up_pence IS NULL OR top_up_pence >= 0),
    hours_tenths_per_week INTEGER NULL CHECK (hours_tenths_per_week IS NULL OR hours_tenths_per_week BETWEEN 1 AND 400),
    hourly_rate_pence BIGINT NULL CHECK (hourly_rate_pence IS NULL OR hourly_rate_pence > 0),
    weeks_per_year INTEGER NULL CHECK (weeks_per_year IS NULL OR weeks_per_year BETWEEN 1 AND 52),
    other_elements_json TEXT NOT NULL,
    reasons TEXT NULL CHECK (reasons IS NULL OR length(reasons) BETWEEN 1 AND 5000),
    starts_on DATE NOT NULL,
    ends_on DATE NULL CHECK (ends_on IS NULL OR ends_on >= starts_on),
    expected_latest TEXT NULL,
    -- A band's parts together or not at all, likewise the hours'; never both.
    CHECK ((band_code IS NULL) = (band_title IS NULL)
        AND (band_code IS NULL) = (place_funding_pence IS NULL)
        AND (band_code IS NULL) = (top_up_pence IS NULL)),
    CHECK ((hours_tenths_per_week IS NULL) = (hourly_rate_pence IS NULL)
        AND (hours_tenths_per_week IS NULL) = (weeks_per_year IS NULL)),
    CHECK (band_code IS NULL OR hours_tenths_per_week IS NULL)
);
