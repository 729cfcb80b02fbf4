-- The jobs made from a file, without those made from none (of processors declared `accepts: none`,
-- and finished jobs whose file was deleted), whose NULL entries no query reads. Every reader asks for `input_file_id = …` or `IN (…)`, which
-- SQLite takes to imply NOT NULL, so it uses this index as it used the whole one.
CREATE INDEX jobs_by_input_file ON jobs (input_file_id) WHERE input_file_id IS NOT NULL;
