package dev.kiln.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The database goes away under a running Kiln and comes back: meanwhile the API answers 503
 * with Retry-After (never 500, never 200), and afterwards everything works again on its own.
 */
class DatabaseOutageTest {

    @Test
    void apiAnswers503WhileTheDatabaseIsDownAndRecoversAfterwards() {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        String database = TestDatabases.databaseName(url);
        try (KilnProcess kiln = KilnProcess.start(
                url, TestDatabases.tempDir("kiln-outage-"), Map.of("kiln.workers.poll-interval", "200ms"))) {
            Api api = kiln.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "before the outage");

            TestDatabases.postgresAdmin(
                    "ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
            try {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Api.Response listing = api.get("/api/v1/jobs", Api.ADMIN_TOKEN);
                    assertThat(listing.status()).isEqualTo(503);
                    assertThat(listing.code()).isEqualTo("database_unavailable");
                    assertThat(listing.header("Retry-After")).isPresent();
                });
            } finally {
                TestDatabases.postgresAdmin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
            }

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.get("/api/v1/jobs", Api.ADMIN_TOKEN).status() == 200);
            String job = api.submit(Api.ADMIN_TOKEN, "test-echo", file, "{}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(Api.ADMIN_TOKEN, job).equals("succeeded"));
            assertThat(kiln.log()).doesNotContain("Unexpected failure");
        }
    }
}
