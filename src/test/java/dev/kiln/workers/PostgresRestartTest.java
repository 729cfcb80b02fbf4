package dev.kiln.workers;

import dev.kiln.testing.TestDatabases;

class PostgresRestartTest extends RestartContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
