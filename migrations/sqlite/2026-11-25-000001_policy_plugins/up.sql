-- The policy-plugin registry and the advice plugins give. A plugin is identified by the
-- SHA-256 of its bytes within its authority; advice names that hash, so the exact code
-- behind any advice can be found and replayed. Advice is append-only, like events.

CREATE TABLE policy_plugins (
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    policy_name TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    api_version TEXT NOT NULL,
    effective_from DATE NOT NULL,
    active_from DATE,
    status TEXT NOT NULL CHECK (status IN ('uploaded', 'active', 'retired')),
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    bytes BLOB NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    retired_at TIMESTAMP,
    PRIMARY KEY (authority_id, sha256),
    -- The choice of plugin for a date reads active_from and activated_at of active rows.
    CHECK (status <> 'active' OR (active_from IS NOT NULL AND activated_at IS NOT NULL)),
    CHECK (status <> 'retired' OR retired_at IS NOT NULL)
);

CREATE TABLE policy_advice (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    plugin_sha256 TEXT NOT NULL,
    api_version TEXT NOT NULL,
    call TEXT NOT NULL CHECK (call IN ('graduated-response', 'banding', 'next-steps')),
    input_json TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('advice', 'declined', 'unavailable')),
    output_json TEXT,
    unavailable_reason TEXT,
    fuel_used BIGINT NOT NULL CHECK (fuel_used >= 0),
    evaluated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (authority_id, plugin_sha256) REFERENCES policy_plugins (authority_id, sha256),
    CHECK (outcome <> 'advice' OR output_json IS NOT NULL),
    CHECK ((outcome = 'unavailable') = (unavailable_reason IS NOT NULL))
);
CREATE INDEX policy_advice_case ON policy_advice (authority_id, case_id);

-- What a plugin told a caseworker is part of the record: the database refuses to change
-- or remove it.
CREATE TRIGGER policy_advice_no_update BEFORE UPDATE ON policy_advice
BEGIN
    SELECT RAISE(ABORT, 'plugin advice is append-only');
END;
CREATE TRIGGER policy_advice_no_delete BEFORE DELETE ON policy_advice
BEGIN
    SELECT RAISE(ABORT, 'plugin advice is append-only');
END;
