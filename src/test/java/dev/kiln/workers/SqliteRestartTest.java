package dev.kiln.workers;

import dev.kiln.testing.TestDatabases;

class SqliteRestartTest extends RestartContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
