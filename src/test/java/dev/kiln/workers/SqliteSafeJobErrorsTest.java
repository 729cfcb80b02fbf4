package dev.kiln.workers;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteSafeJobErrorsTest extends SafeJobErrorsContract {}
