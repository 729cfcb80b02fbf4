package dev.kiln.webhooks;

import dev.kiln.testing.TestDatabases;

class PostgresWebhookRestartTest extends WebhookRestartContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }
}
