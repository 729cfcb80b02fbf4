-- Replaced by V26's jobs_by_input_file_age. Dropped CONCURRENTLY, alone, so a busy queue keeps writing.
DROP INDEX CONCURRENTLY jobs_by_input_file;
