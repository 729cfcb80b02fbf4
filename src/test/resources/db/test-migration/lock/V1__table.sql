-- Test only (PostgresMigrationLockTest).
CREATE TABLE lock_test (id INTEGER);
