package dev.kiln.workers;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresSafeJobErrorsTest extends SafeJobErrorsContract {}
