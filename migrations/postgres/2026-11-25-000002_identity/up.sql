-- Identity: five roles, and API tokens kept only as the SHA-256 of the token.
-- users_role_check is the name PostgreSQL gave the foundation's column CHECK.
-- UNIQUE (authority_id, id) lets api_tokens refer to a user *of its own authority*.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('caseworker', 'panel_member', 'panel_chair', 'admin', 'auditor'));
ALTER TABLE users ADD CONSTRAINT users_authority_id_id_key UNIQUE (authority_id, id);

-- A bearer token for the API. The token itself is shown once and never stored: a
-- leaked table gives no working token. Revoking sets revoked_at; the row stays as a
-- record of what existed.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE
        CHECK (length(token_sha256) = 64 AND token_sha256 ~ '^[0-9a-f]*$'),
    label TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX api_tokens_user ON api_tokens (authority_id, user_id);
