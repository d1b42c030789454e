DROP INDEX deadlines_case;
