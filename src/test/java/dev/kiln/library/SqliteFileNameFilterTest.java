package dev.kiln.library;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteFileNameFilterTest extends FileNameFilterContract {}
