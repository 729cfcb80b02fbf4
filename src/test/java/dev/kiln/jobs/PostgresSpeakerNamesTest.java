package dev.kiln.jobs;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresSpeakerNamesTest extends SpeakerNamesContract {}
