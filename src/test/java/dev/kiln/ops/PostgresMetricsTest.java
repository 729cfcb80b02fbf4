package dev.kiln.ops;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresMetricsTest extends MetricsContract {}
