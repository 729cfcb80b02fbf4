-- The jobs made from a file in the job list's order: `GET /api/v1/jobs?file=` and the file list's
-- latest jobs read a page of a file's jobs from one end of it (V25's jobs_by_input_file had only the
-- file, so PostgreSQL walked jobs_by_age over the whole table instead for a file run thousands of
-- times, or sorted all its jobs). Still partial: jobs made from no file have no entry. Its first
-- column serves every reader of V25's index (a file's jobs, deletion, the files key's check).
-- Built CONCURRENTLY, alone, outside a transaction; V26_1 then drops V25's index.
CREATE INDEX CONCURRENTLY jobs_by_input_file_age ON jobs (input_file_id, created_at, id) WHERE input_file_id IS NOT NULL;
