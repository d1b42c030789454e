-- Back to three roles. A user holding panel_chair or auditor makes this fail on the
-- CHECK rather than lose what that person may do: change their role first.

DROP TABLE api_tokens;
ALTER TABLE users DROP CONSTRAINT users_authority_id_id_key;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('caseworker', 'panel_member', 'admin'));
