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
 * with Retry-After (never 500, never 200), a job that finishes meanwhile keeps its outcome until
 * it can be written, and afterwards everything works again on its own.
 */
class DatabaseOutageTest {

    @Test
    void apiAnswers503WhileTheDatabaseIsDownAndRecoversAfterwards() {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        String database = TestDatabases.databaseName(url);
        try (KilnProcess kiln = KilnProcess.start(
                url,
                TestDatabases.tempDir("kiln-outage-"),
                // A lease that outlasts the outage: the job's outcome must wait, not its rescue.
                Map.of("kiln.workers.poll-interval", "200ms", "kiln.workers.lease-duration", "120s"))) {
            Api api = kiln.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "before the outage");
            String finishing = api.submit(Api.ADMIN_TOKEN, "test-sleep", file, "{\"ms\":1500}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(Api.ADMIN_TOKEN, finishing).equals("running"));

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
                // The job ended 1.5 s into the outage and its outcome asked for a connection, which the pool gives up
                // on after 5 s: three failed tries of the writer (>10 s) leave no doubt that it waited. A writer that
                // drops
                // the outcome instead says so at once.
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> kiln.log().contains("its outcome was discarded")
                                || kiln.log().split("Could not write", -1).length > 3);
            } finally {
                TestDatabases.postgresAdmin("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS true");
            }

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.get("/api/v1/jobs", Api.ADMIN_TOKEN).status() == 200);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(Api.ADMIN_TOKEN, finishing).equals("succeeded"));
            assertThat(kiln.log()).doesNotContain("its outcome was discarded");
            assertThat(api.job(Api.ADMIN_TOKEN, finishing).get("attempt").asInt())
                    .as("the run that finished during the outage counts; it is not run again")
                    .isEqualTo(1);
            String job = api.submit(Api.ADMIN_TOKEN, "test-echo", file, "{}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(Api.ADMIN_TOKEN, job).equals("succeeded"));
            assertThat(kiln.log()).doesNotContain("Unexpected failure");
        }
    }
}
