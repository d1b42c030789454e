-- An annual review decision is one of three (Reg 20(10)): maintain, amend or cease.
-- The outcome says the authority decided; `choice` says which, so reports (SEN2's
-- annual review decision) and letters read it from the decision, not the event log.
ALTER TABLE decisions ADD COLUMN choice TEXT
    CHECK (choice IS NULL OR choice IN ('maintain', 'amend', 'cease'));
