package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class SqliteJobQueueTest extends JobQueueContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
