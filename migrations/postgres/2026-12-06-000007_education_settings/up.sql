-- The register of education settings an authority places children in (issue 16's
-- placement decisions name one): its DfE URN where it has one, its name, its kind and
-- whether it is in the authority's area. A URN names one setting per authority.
CREATE TABLE education_settings (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    urn TEXT NULL CHECK (urn IS NULL OR urn ~ '^[0-9]{6}$'),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind TEXT NOT NULL CHECK (kind IN ('mainstream', 'resourced_provision', 'special', 'independent', 'non_maintained', 'post16', 'alternative_provision')),
    in_area BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX education_settings_urn ON education_settings (authority_id, urn);
CREATE INDEX education_settings_by_name ON education_settings (authority_id, name);
