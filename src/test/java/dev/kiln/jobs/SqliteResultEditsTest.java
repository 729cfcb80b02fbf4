package dev.kiln.jobs;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteResultEditsTest extends ResultEditsContract {}
