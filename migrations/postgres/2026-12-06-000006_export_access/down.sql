-- Refuses while any export is in the log, as the earlier downs do, rather than delete
-- the record of who read what.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes', 'subject_access', 'document'));
