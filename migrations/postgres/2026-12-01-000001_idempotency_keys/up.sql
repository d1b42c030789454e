-- Idempotent submissions: an API call's `Idempotency-Key`, or a page form's one-time
-- token, claimed by one caller of one authority. A repeat of the same key gets the
-- first answer back instead of recording twice (see core/src/idempotency.rs).
--
-- Only the SHA-256 of the request (method, path and body) is kept, to tell a repeat
-- from another request under the same key; the body itself is never stored. The
-- answer is kept as sent (status, content type, location, body) so a repeat gets it
-- byte for byte. A row whose status is NULL is a request still being answered.
-- Rows expire (expires_at, 24 hours after the first use); expired ones are deleted
-- by the next claim in the authority.
CREATE TABLE idempotency_keys (
    authority_id TEXT NOT NULL REFERENCES authorities (id),
    user_id TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('api', 'page')),
    idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 1024),
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_sha256 TEXT NOT NULL
        CHECK (length(request_sha256) = 64 AND request_sha256 ~ '^[0-9a-f]*$'),
    status INTEGER CHECK (status BETWEEN 100 AND 599),
    content_type TEXT,
    location TEXT,
    response_body BYTEA,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (authority_id, user_id, origin, idempotency_key),
    FOREIGN KEY (authority_id, user_id) REFERENCES users (authority_id, id)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (authority_id, expires_at);
