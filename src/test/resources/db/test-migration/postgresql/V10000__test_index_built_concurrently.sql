-- Test only (MigrationUnderLoadContract): an index built the way Kiln's migrations build one on a
-- table in use, here on a million loaded jobs while another connection writes to them.
CREATE INDEX CONCURRENTLY jobs_test_by_finished ON jobs (finished_at);
