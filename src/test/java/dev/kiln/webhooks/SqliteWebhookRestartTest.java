package dev.kiln.webhooks;

import dev.kiln.testing.TestDatabases;

class SqliteWebhookRestartTest extends WebhookRestartContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }
}
