-- Replaced by V26's jobs_by_input_file_age. Dropped CONCURRENTLY, alone, so a busy queue keeps writing;
-- IF EXISTS, so a node killed after the drop but before Flyway recorded it starts again (V25_1 cannot).
DROP INDEX CONCURRENTLY IF EXISTS jobs_by_input_file;
