-- Identity: five roles, and API tokens kept only as the SHA-256 of the token.
--
-- SQLite cannot alter a CHECK, so users is rebuilt by SQLite's own procedure (create the
-- new table, copy, drop the old, rename the new: the order that keeps the other tables'
-- REFERENCES users (id) pointing at the rebuilt table). sendpanel runs migrations with
-- foreign keys off, as that procedure requires. Rows, ids and indexes are kept.
-- UNIQUE (authority_id, id) lets api_tokens refer to a user *of its own authority*.

CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('caseworker', 'panel_member', 'panel_chair', 'admin', 'auditor')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (authority_id, id)
);
INSERT INTO users_rebuilt (id, authority_id, email, display_name, role, password_hash, created_at)
    SELECT id, authority_id, email, display_name, role, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_authority ON users (authority_id);

-- A bearer token for the API. The token itself is shown once and never stored: a
-- leaked table gives no working token. Revoking sets revoked_at; the row stays as a
-- record of what existed.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE
        CHECK (length(token_sha256) = 64 AND token_sha256 NOT GLOB '*[^0-9a-f]*'),
    label TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX api_tokens_user ON api_tokens (authority_id, user_id);
