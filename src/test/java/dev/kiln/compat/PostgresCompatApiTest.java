package dev.kiln.compat;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresCompatApiTest extends CompatApiContract {}
