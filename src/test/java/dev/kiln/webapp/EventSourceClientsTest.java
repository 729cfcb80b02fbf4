package dev.kiln.webapp;

import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Standard EventSource clients — npm {@code eventsource} 3.0.7 in Node and Chromium's own — follow
 * a job over SSE through a Kiln kill -9 and restart (web/e2e/eventsource.e2e.mjs): each sees every
 * event, the {@code lease_expired} attempt failure included, which an {@code event: error} would
 * have hidden from both.
 */
class EventSourceClientsTest {

    /** Short leases so the killed node's job is rescued in seconds. */
    private static final Map<String, String> FAST = Map.of(
            "kiln.workers.lease-duration", "2s",
            "kiln.workers.heartbeat-interval", "500ms",
            "kiln.workers.maintenance-interval", "250ms",
            "kiln.workers.poll-interval", "200ms",
            "kiln.jobs.retry-initial-backoff", "100ms");

    @Test
    void eventSourceClientsSeeEveryEventOfAJobThroughACrashAndRestart() throws Exception {
        BrowserScript.assumeChromium();
        KilnProcess[] kiln = {
            KilnProcess.start(TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-sse-"), FAST)
        };
        try {
            Api api = kiln[0].api();
            String file = api.textFile(Api.ADMIN_TOKEN, "follow me through a crash");
            String job = api.submit(Api.ADMIN_TOKEN, "test-slow-first", file, "{\"ms\":120000}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(Api.ADMIN_TOKEN, job).equals("running"));

            BrowserScript.mustPass(
                    () -> kiln[0], "eventsource.e2e.mjs", Duration.ofMinutes(4), List.of("--job", job), line -> {
                        if (!line.equals("KILL-KILN")) {
                            return null;
                        }
                        kiln[0] = kiln[0].crashAndRestart();
                        return "restarted";
                    });
        } finally {
            kiln[0].close();
        }
    }
}
