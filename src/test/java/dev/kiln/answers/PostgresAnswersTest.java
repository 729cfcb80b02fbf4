package dev.kiln.answers;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresAnswersTest extends AnswersContract {}
