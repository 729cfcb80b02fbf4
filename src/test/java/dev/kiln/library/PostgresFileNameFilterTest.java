package dev.kiln.library;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresFileNameFilterTest extends FileNameFilterContract {}
