ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes', 'subject_access'));
DROP TABLE advice_chasers;
DROP TABLE advice_links;
DROP TABLE evidence_openings;
DROP TABLE evidence;
