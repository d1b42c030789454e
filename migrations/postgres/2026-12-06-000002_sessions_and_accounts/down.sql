-- Subject access records cannot satisfy the older CHECK; the down migration refuses
-- while any exist rather than delete evidence.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes'));
DROP TABLE account_secrets;
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN last_sign_in_at;
ALTER TABLE users DROP COLUMN disabled_at;
