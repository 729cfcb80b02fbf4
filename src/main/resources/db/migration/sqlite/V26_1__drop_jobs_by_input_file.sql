-- Replaced by V26's jobs_by_input_file_age.
DROP INDEX jobs_by_input_file;
