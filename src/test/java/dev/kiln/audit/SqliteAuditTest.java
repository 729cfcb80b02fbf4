package dev.kiln.audit;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteAuditTest extends AuditContract {}
