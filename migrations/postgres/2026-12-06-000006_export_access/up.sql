-- An export (the caseload as a spreadsheet, the SEN2 return) reads many children's
-- records at once, and each is logged as read.
ALTER TABLE access_log DROP CONSTRAINT access_log_what_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_what_check
    CHECK (what IN ('case_page', 'case_api', 'letter', 'papers', 'minutes', 'subject_access', 'document', 'caseload_export', 'sen2_return'));
