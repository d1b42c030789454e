DROP TABLE policy_advice;
DROP TABLE policy_plugins;
DROP FUNCTION policy_advice_append_only();
