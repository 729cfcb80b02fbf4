package dev.kiln.external;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteDeletedInputClaimTest extends DeletedInputClaimContract {}
