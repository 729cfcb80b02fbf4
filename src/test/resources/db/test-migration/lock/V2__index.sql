-- Test only (PostgresMigrationLockTest): alone, so Flyway runs it outside a transaction.
CREATE INDEX CONCURRENTLY lock_test_by_id ON lock_test (id);
