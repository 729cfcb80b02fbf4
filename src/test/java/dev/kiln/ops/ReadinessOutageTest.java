package dev.kiln.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Readiness follows the database: PostgreSQL goes away under a running Kiln and readiness turns
 * 503 naming the database within seconds, while liveness (the process) stays 200; the database
 * comes back and readiness recovers by itself.
 */
class ReadinessOutageTest {

    @Test
    void readinessFlipsWithTheDatabaseAndLivenessDoesNot() {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        String database = TestDatabases.databaseName(url);
        try (KilnProcess kiln = KilnProcess.start(url, TestDatabases.tempDir("kiln-readiness-"), Map.of())) {
            Api api = kiln.api();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.get("/actuator/health/readiness", null).status() == 200);
            assertThat(api.get("/actuator/health/readiness", null)
                            .json()
                            .at("/components/database/status")
                            .asString())
                    .isEqualTo("UP");

            TestDatabases.postgresAdmin(
                    "ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
            long away = System.nanoTime();
            try {
                await().atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> {
                            Api.Response readiness = api.get("/actuator/health/readiness", null);
                            assertThat(readiness.status()).isEqualTo(503);
                            JsonNode body = readiness.json();
                            assertThat(body.get("status").asString()).isEqualTo("DOWN");
                            assertThat(body.at("/components/database/status").asString())
                                    .isEqualTo("DOWN");
                            assertThat(body.at("/components/database/details").isMissingNode())
                                    .as("details are for admins")
                                    .isTrue();
                            assertThat(body.at("/components/blobStore/status").asString())
                                    .isEqualTo("UP");
                        });
                // Each probe answers promptly although the pool waits longer for a connection.
                long start = System.nanoTime();
                assertThat(api.get("/actuator/health/readiness", null).status()).isEqualTo(503);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
                Api.Response liveness = api.get("/actuator/health/liveness", null);
                assertThat(liveness.status()).isEqualTo(200);
                assertThat(liveness.json().get("status").asString()).isEqualTo("UP");
                assertThat(Duration.ofNanos(System.nanoTime() - away)).isLessThan(Duration.ofSeconds(10));
            } finally {
                TestDatabases.postgresAdmin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
            }

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> api.get("/actuator/health/readiness", null).status() == 200);
            assertThat(api.get("/actuator/health/readiness", null)
                            .json()
                            .at("/components/database/status")
                            .asString())
                    .isEqualTo("UP");
            assertThat(api.get("/actuator/health/liveness", null).status()).isEqualTo(200);
        }
    }
}
