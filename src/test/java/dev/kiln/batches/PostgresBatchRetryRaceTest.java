package dev.kiln.batches;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresBatchRetryRaceTest extends BatchRetryRaceContract {}
