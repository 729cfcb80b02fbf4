package dev.kiln.limits;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresJobLimitsTest extends JobLimitsContract {}
