-- The jobs made from a file, without those made from none (of processors declared `accepts: none`,
-- and finished jobs whose file was deleted): they had a NULL entry that no query reads, written again
-- by each of their updates, since an update that changes state is never HOT. Every reader asks for `input_file_id = …` or `IN (…)`, which implies
-- NOT NULL, so it uses this index as it used the whole one. Built CONCURRENTLY, alone, outside a
-- transaction; V25_1 then drops the old index.
CREATE INDEX CONCURRENTLY jobs_by_input_file ON jobs (input_file_id) WHERE input_file_id IS NOT NULL;
