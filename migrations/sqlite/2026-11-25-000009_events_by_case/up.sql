-- Most workflow commands read their case's history (when was it refused, when was the
-- plan issued). Ordered by id within the authority, SQLite chose the authority index and
-- scanned every event the authority has, so commands slowed as the year filled up
-- (3,000-request synthetic year: 82 requests/s after 300, 22 after 3,000). This index
-- answers "one case's events, in order" directly.
CREATE INDEX events_case_order ON events (authority_id, case_id, id);
