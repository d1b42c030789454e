ALTER TABLE decisions DROP COLUMN choice;
