-- Contract 1.1 adds a call, `costed-banding`: banding with a plan's costed provision.
-- Its advice is recorded like every other call's.
ALTER TABLE policy_advice DROP CONSTRAINT policy_advice_call_check;
ALTER TABLE policy_advice ADD CONSTRAINT policy_advice_call_check
    CHECK (call IN ('graduated-response', 'banding', 'next-steps', 'costed-banding'));
