ALTER TABLE deadlines DROP COLUMN subject;
