package dev.kiln.jobs;

import dev.kiln.testing.TestDatabases;

class PostgresStateMachineTest extends StateMachineContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
