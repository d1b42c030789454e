-- Accounts that can be switched off, and sessions the server can end.
--
-- A user is disabled (never deleted: decisions and votes name them) by stamping
-- disabled_at; every sign-in, session and API token of theirs then stops at once.
-- last_sign_in_at is what an admin reviews before switching off a leaver.
-- totp_secret is the base32 shared secret of an enrolled second factor (RFC 6238).
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP NULL;
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMP NULL;
ALTER TABLE users ADD COLUMN totp_secret TEXT NULL;
-- The last 30-second step a one-time code was accepted for: a code is good once (RFC 6238 s.5.2).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NULL;

-- A signed-in browser. The cookie carries only a random id; the row holds its SHA-256,
-- so a copy of the table gives no working session. A session ends (ended_at, and why)
-- on sign-out, sign-out everywhere, disable, password change, or when it times out;
-- an ended session never starts again.
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(id_sha256) = 64),
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('password', 'oidc')),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NULL,
    ended_because TEXT NULL CHECK (ended_because IN ('signed_out', 'signed_out_everywhere', 'disabled', 'password_changed', 'timed_out')),
    CHECK ((ended_at IS NULL) = (ended_because IS NULL)),
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX sessions_by_user ON sessions (authority_id, user_id, ended_at);

-- Single-use secrets sent to a person: a password reset link, or a recovery code for a
-- lost second factor. Only the SHA-256 is kept; a used secret is stamped, never reused.
CREATE TABLE account_secrets (
    secret_sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(secret_sha256) = 64),
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'recovery_code')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NULL,
    used_at TIMESTAMP NULL,
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX account_secrets_by_user ON account_secrets (authority_id, user_id, purpose);

-- A subject access export (UK GDPR art. 15) reads a child's whole record, and is
-- logged as such.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes', 'subject_access'));
