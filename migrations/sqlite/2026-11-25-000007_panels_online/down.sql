DROP TABLE outbox;
ALTER TABLE requests DROP COLUMN contact_email;
ALTER TABLE sittings DROP COLUMN location;
ALTER TABLE sittings DROP COLUMN starts_at;
ALTER TABLE agenda_items DROP COLUMN proposal;
DROP TABLE conflicts;
DROP TABLE paper_openings;
DROP TABLE sitting_members;
