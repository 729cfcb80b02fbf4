package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class PostgresJobIndexesTest extends JobIndexesContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
