-- The jobs made from a file: the library lists them, and a file's deletion checks them. Built
-- CONCURRENTLY, alone, outside a transaction, so a busy queue keeps writing meanwhile.
CREATE INDEX CONCURRENTLY jobs_by_input ON jobs (input_file_id);
