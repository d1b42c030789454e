DROP INDEX events_case_order;
