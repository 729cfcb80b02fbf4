package dev.kiln.batches;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteBatchRetryRaceTest extends BatchRetryRaceContract {}
