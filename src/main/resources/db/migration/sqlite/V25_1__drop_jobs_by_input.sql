-- Replaced by V25's jobs_by_input_file.
DROP INDEX jobs_by_input;
