package dev.kiln.webhooks;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteWebhookTest extends WebhookContract {}
