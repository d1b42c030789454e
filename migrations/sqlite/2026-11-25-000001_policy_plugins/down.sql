DROP TRIGGER policy_advice_no_delete;
DROP TRIGGER policy_advice_no_update;
DROP TABLE policy_advice;
DROP TABLE policy_plugins;
