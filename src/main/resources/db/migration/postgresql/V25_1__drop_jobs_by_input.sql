-- Replaced by V25's jobs_by_input_file. Dropped CONCURRENTLY, alone, so a busy queue keeps writing.
DROP INDEX CONCURRENTLY jobs_by_input;
