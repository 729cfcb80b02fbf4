package dev.kiln.webhooks;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresWebhookTest extends WebhookContract {}
