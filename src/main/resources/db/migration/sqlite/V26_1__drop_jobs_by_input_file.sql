-- Replaced by V26's jobs_by_input_file_age.
DROP INDEX IF EXISTS jobs_by_input_file;
