-- Contract 1.1 adds a call, `costed-banding`: banding with a plan's costed provision.
-- Its advice is recorded like every other call's. SQLite cannot change a CHECK in
-- place: the table is rebuilt, index and triggers included (nothing references it yet).
CREATE TABLE policy_advice_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    plugin_sha256 TEXT NOT NULL,
    api_version TEXT NOT NULL,
    call TEXT NOT NULL CHECK (call IN ('graduated-response', 'banding', 'next-steps', 'costed-banding')),
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
INSERT INTO policy_advice_rebuilt SELECT id, authority_id, case_id, plugin_sha256, api_version, call, input_json, outcome, output_json, unavailable_reason, fuel_used, evaluated_at FROM policy_advice;
DROP TABLE policy_advice;
ALTER TABLE policy_advice_rebuilt RENAME TO policy_advice;
CREATE INDEX policy_advice_case ON policy_advice (authority_id, case_id);
CREATE TRIGGER policy_advice_no_update BEFORE UPDATE ON policy_advice
BEGIN
    SELECT RAISE(ABORT, 'plugin advice is append-only');
END;
CREATE TRIGGER policy_advice_no_delete BEFORE DELETE ON policy_advice
BEGIN
    SELECT RAISE(ABORT, 'plugin advice is append-only');
END;
