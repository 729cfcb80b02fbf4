package dev.kiln.uploads;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=sqlite")
class SqliteStorageSweepTest extends StorageSweepContract {}
