DROP INDEX children_by_search_name;
