package dev.kiln.external;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresDeletedInputClaimTest extends DeletedInputClaimContract {}
