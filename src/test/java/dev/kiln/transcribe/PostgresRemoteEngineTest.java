package dev.kiln.transcribe;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "kiln.test.database=postgres")
class PostgresRemoteEngineTest extends RemoteEngineContract {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        engines(registry);
    }
}
