-- Refuses (the older CHECK fails) while any costed-banding advice is recorded, rather
-- than delete what a plugin told a caseworker.
ALTER TABLE policy_advice DROP CONSTRAINT policy_advice_call_check;
ALTER TABLE policy_advice ADD CONSTRAINT policy_advice_call_check
    CHECK (call IN ('graduated-response', 'banding', 'next-steps'));
