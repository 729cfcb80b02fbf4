package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class SqliteRunningLimitTest extends RunningLimitContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
