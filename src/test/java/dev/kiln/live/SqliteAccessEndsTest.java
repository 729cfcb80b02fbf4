package dev.kiln.live;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteAccessEndsTest extends AccessEndsContract {}
