-- The sign-in guards' counts, shared by every server on the database (GCRA: each key
-- holds the moment from which its next attempt is as if fresh). Keys are hashed: an
-- address is never stored here in the clear.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    allowed_from TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_throttle_by_time ON sign_in_throttle (allowed_from);
