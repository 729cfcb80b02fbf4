package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class PostgresJobQueueTest extends JobQueueContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
