-- Several limits of one kind can be open on a case at once: each request for advice
-- under Reg 8(1) runs its own 6-week clock. `subject` says which (the advice source),
-- so receiving one source's advice settles that source's clock and no other.
ALTER TABLE deadlines ADD COLUMN subject TEXT;
