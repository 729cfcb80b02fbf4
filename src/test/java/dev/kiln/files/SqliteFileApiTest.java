package dev.kiln.files;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteFileApiTest extends FileApiContract {}
