package dev.kiln.compat;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteCompatApiTest extends CompatApiContract {}
