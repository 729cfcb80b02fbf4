package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class PostgresRunningLimitTest extends RunningLimitContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
