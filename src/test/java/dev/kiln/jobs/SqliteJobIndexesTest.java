package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class SqliteJobIndexesTest extends JobIndexesContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
