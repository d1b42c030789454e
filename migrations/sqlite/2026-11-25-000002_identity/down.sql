-- Back to three roles. A user holding panel_chair or auditor makes this fail on the
-- CHECK rather than lose what that person may do: change their role first.

DROP TABLE api_tokens;

CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('caseworker', 'panel_member', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO users_rebuilt (id, authority_id, email, display_name, role, password_hash, created_at)
    SELECT id, authority_id, email, display_name, role, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_authority ON users (authority_id);
