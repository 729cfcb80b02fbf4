package dev.kiln.search;

import dev.kiln.testing.TestDatabases;

class SqliteSearchQueueTest extends SearchQueueContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
