package dev.kiln.search;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteIndexingFailureTest extends IndexingFailureContract {}
