package dev.kiln.auth;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresAccessTest extends AccessContract {}
