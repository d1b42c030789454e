DROP TABLE deadline_exceptions;
DROP FUNCTION deadline_exceptions_append_only();
