-- The jobs made from a file in the job list's order: `GET /api/v1/jobs?file=` and the file list's
-- latest jobs read a page of a file's jobs from one end of it (with V25's jobs_by_input_file, which
-- had only the file, each page read and sorted every job of the file). Still partial: jobs made from
-- no file have no entry. Its first column serves every reader of V25's index (a file's jobs,
-- deletion, the files key's check); V26_1 then drops V25's index.
CREATE INDEX jobs_by_input_file_age ON jobs (input_file_id, created_at, id) WHERE input_file_id IS NOT NULL;
