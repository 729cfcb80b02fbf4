package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class SqliteStateMachineTest extends StateMachineContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
