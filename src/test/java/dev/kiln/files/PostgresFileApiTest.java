package dev.kiln.files;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresFileApiTest extends FileApiContract {}
