package dev.kiln.search;

import dev.kiln.testing.TestDatabases;

class PostgresSearchQueueTest extends SearchQueueContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
