-- The jobs made from a file: the library lists them, and a file's deletion checks them.
CREATE INDEX jobs_by_input ON jobs (input_file_id);
