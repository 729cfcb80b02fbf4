package dev.kiln.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestDatabases;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Kiln processes stopped mid-job, then started again on the same database: no job is lost and
 * none completes twice. One subclass per database.
 */
abstract class RestartContract {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String READINESS = "/actuator/health/readiness";
    /** Short leases so a killed node's jobs are rescued in seconds. */
    private static final Map<String, String> FAST = Map.of(
            "kiln.workers.lease-duration", "2s",
            "kiln.workers.heartbeat-interval", "500ms",
            "kiln.workers.maintenance-interval", "250ms",
            "kiln.workers.poll-interval", "200ms",
            "kiln.workers.shutdown-grace", "3s",
            "kiln.jobs.retry-initial-backoff", "100ms");

    abstract TestDatabases.Kind kind();

    @Test
    void aJobOnAKilledNodeIsRescuedAndCompletesOnce() {
        String url = TestDatabases.fresh(kind());
        Path home = TestDatabases.tempDir("kiln-restart-");
        String jobId;
        try (KilnProcess first = KilnProcess.start(url, home, FAST)) {
            Api api = first.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "survive me");
            jobId = api.submit(Api.ADMIN_TOKEN, "test-slow-first", file, "{\"ms\":120000}");
            String id = jobId;
            await().atMost(WAIT).until(() -> api.state(Api.ADMIN_TOKEN, id).equals("running"));
            first.kill();
        }
        try (KilnProcess second = KilnProcess.start(url, home, FAST)) {
            Api api = second.api();
            await().atMost(WAIT).until(() -> api.state(Api.ADMIN_TOKEN, jobId).equals("succeeded"));

            JsonNode job = api.job(Api.ADMIN_TOKEN, jobId);
            assertThat(job.get("attempt").asInt()).isEqualTo(2);
            assertThat(api.get("/api/v1/jobs/" + jobId + "/result", Api.ADMIN_TOKEN)
                            .json()
                            .get("attempt")
                            .asInt())
                    .isEqualTo(2);
            List<JsonNode> events = events(api, jobId);
            assertGapless(events, job.get("seq").asLong());
            assertThat(states(events))
                    .containsExactly("queued", "running", "retry_scheduled", "queued", "running", "succeeded");
            assertThat(events)
                    .filteredOn(e -> e.get("kind").asString().equals("error"))
                    .singleElement()
                    .satisfies(e ->
                            assertThat(e.get("data").get("code").asString()).isEqualTo("lease_expired"));
        }
    }

    @Test
    void aGracefulStopFinishesShortJobsAndReleasesLongOnesToTheNextNode() {
        String url = TestDatabases.fresh(kind());
        Path home = TestDatabases.tempDir("kiln-restart-");
        String shortJob;
        String longJob;
        try (KilnProcess first = KilnProcess.start(url, home, FAST)) {
            Api api = first.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "drain me");
            shortJob = api.submit(Api.ADMIN_TOKEN, "test-sleep", file, "{\"ms\":1500,\"steps\":3}");
            longJob = api.submit(Api.ADMIN_TOKEN, "test-sleep", file, "{\"ms\":5000,\"steps\":50}");
            await().atMost(WAIT)
                    .until(() -> api.state(Api.ADMIN_TOKEN, shortJob).equals("running")
                            && api.state(Api.ADMIN_TOKEN, longJob).equals("running"));

            Duration stopped = first.terminate();

            assertThat(stopped).isLessThan(Duration.ofSeconds(15));
            assertThat(first.log()).contains("releasing 1 job(s)");
        }
        try (KilnProcess second = KilnProcess.start(url, home, FAST)) {
            Api api = second.api();
            JsonNode finishedBeforeStop = api.job(Api.ADMIN_TOKEN, shortJob);
            assertThat(finishedBeforeStop.get("state").asString()).isEqualTo("succeeded");
            assertThat(states(events(api, shortJob))).containsExactly("queued", "running", "succeeded");

            await().atMost(WAIT).until(() -> api.state(Api.ADMIN_TOKEN, longJob).equals("succeeded"));
            JsonNode released = api.job(Api.ADMIN_TOKEN, longJob);
            assertThat(released.get("attempt").asInt())
                    .as("a release does not spend an attempt")
                    .isEqualTo(1);
            List<JsonNode> events = events(api, longJob);
            assertGapless(events, released.get("seq").asLong());
            assertThat(states(events)).containsExactly("queued", "running", "queued", "running", "succeeded");
        }
    }

    @Test
    void streamsAreClosedWith1001OnShutdownAndResumeWithoutAGapAfterTheRestart() throws Exception {
        String url = TestDatabases.fresh(kind());
        Path home = TestDatabases.tempDir("kiln-restart-");
        String job;
        long last;
        try (KilnProcess first = KilnProcess.start(url, home, FAST)) {
            Api api = first.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "watch me across a restart");
            job = api.submit(Api.ADMIN_TOKEN, "test-ticker", file, "{\"count\":60,\"intervalMs\":100}");
            try (StreamClient client = StreamClient.connect(api, first.port(), Api.ADMIN_TOKEN)) {
                client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
                last = client.await("snapshot", WAIT).get("job").get("seq").asLong();
                for (int i = 0; i < 5; i++) {
                    last = client.await("event", WAIT).get("seq").asLong();
                }
                Thread.ofVirtual().start(first::terminate);
                List<JsonNode> more = new ArrayList<>();
                assertThat(client.closeCode(WAIT)).isEqualTo(1001);
                JsonNode message;
                while ((message = client.next(Duration.ZERO)) != null) {
                    if (message.path("type").asString("").equals("event")) {
                        more.add(message);
                    }
                }
                for (JsonNode event : more) {
                    assertThat(event.get("seq").asLong()).isEqualTo(last + 1);
                    last = event.get("seq").asLong();
                }
            }
            await().atMost(WAIT).until(() -> !first.alive());
        }
        try (KilnProcess second = KilnProcess.start(url, home, FAST);
                StreamClient client = StreamClient.connect(second.api(), second.port(), Api.ADMIN_TOKEN)) {
            client.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\",\"after\":" + last + "}]}");
            assertThat(client.await("subscribed", WAIT).get("recovered").asBoolean())
                    .isTrue();
            boolean terminal = false;
            while (!terminal) {
                JsonNode event = client.await("event", WAIT);
                assertThat(event.get("seq").asLong()).as("no gap, no duplicate").isEqualTo(last + 1);
                last = event.get("seq").asLong();
                terminal = event.get("kind").asString().equals("state")
                        && event.get("data").get("state").asString().equals("succeeded");
            }
            assertThat(last)
                    .isEqualTo(second.api().job(Api.ADMIN_TOKEN, job).get("seq").asLong());
        }
    }

    @Test
    void onSigtermReadinessGoesDownFirstThenSocketsCloseWith1001AndStreamsEnd() throws Exception {
        Map<String, String> settings = new HashMap<>(FAST);
        settings.put("kiln.drain.readiness-delay", "2s");
        try (KilnProcess node =
                KilnProcess.start(TestDatabases.fresh(kind()), TestDatabases.tempDir("kiln-drain-"), settings)) {
            Api api = node.api();
            assertThat(api.get(READINESS, null).status()).isEqualTo(200);
            String file = api.textFile(Api.ADMIN_TOKEN, "drain me");
            String job = api.submit(Api.ADMIN_TOKEN, "test-sleep", file, "{\"ms\":120000,\"steps\":1000}");
            await().atMost(WAIT).until(() -> api.state(Api.ADMIN_TOKEN, job).equals("running"));
            try (StreamClient client = StreamClient.connect(api, node.port(), Api.ADMIN_TOKEN)) {
                client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
                client.await("snapshot", WAIT);
                HttpResponse<InputStream> sse = HttpClient.newHttpClient()
                        .send(
                                api.request("/api/v1/jobs/" + job + "/events", Api.ADMIN_TOKEN)
                                        .header("Accept", "text/event-stream")
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                assertThat(sse.statusCode()).isEqualTo(200);
                CompletableFuture<Long> sseEnded = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try (InputStream body = sse.body()) {
                        body.transferTo(OutputStream.nullOutputStream());
                        sseEnded.complete(System.nanoTime());
                    } catch (Exception e) {
                        sseEnded.completeExceptionally(e);
                    }
                });

                long sigterm = System.nanoTime();
                node.signalTerm();

                // 1. Readiness turns 503 at once, while the node still serves (the readiness delay).
                await().atMost(Duration.ofSeconds(2))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> api.get(READINESS, null).status() == 503);
                assertThat(client.closed())
                        .as("sockets stay open through the readiness delay")
                        .isFalse();
                // 3. Then WebSockets close with 1001 and SSE streams end, not before the delay is over.
                assertThat(client.closeCode(WAIT)).isEqualTo(1001);
                long closed = System.nanoTime();
                assertThat(Duration.ofNanos(closed - sigterm)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
                assertThat(Duration.ofNanos(sseEnded.get(WAIT.toSeconds(), TimeUnit.SECONDS) - sigterm))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
                // 4. While the running job has its grace, new streams are refused and long polls answer at once.
                Api.Response refused = api.send(api.request("/api/v1/jobs/" + job + "/events", Api.ADMIN_TOKEN)
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build());
                assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.code()).isEqualTo("shutting_down");
                long polled = System.nanoTime();
                assertThat(api.get("/api/v1/jobs/" + job + "/events?after=999999&wait=20", Api.ADMIN_TOKEN)
                                .status())
                        .isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - polled)).isLessThan(Duration.ofSeconds(5));
            }
            node.awaitExit();
            assertThat(node.log())
                    .containsSubsequence(
                            "no more jobs are claimed",
                            "so load balancers notice",
                            "releasing 1 job(s)",
                            "Workers stopped");
        }
    }

    private static List<JsonNode> events(Api api, String jobId) {
        List<JsonNode> events = new ArrayList<>();
        api.get("/api/v1/jobs/" + jobId + "/events?limit=1000", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .forEach(events::add);
        return events;
    }

    private static List<String> states(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.get("kind").asString().equals("state"))
                .map(e -> e.get("data").get("state").asString())
                .toList();
    }

    private static void assertGapless(List<JsonNode> events, long lastSeq) {
        assertThat(events)
                .extracting(e -> e.get("seq").asLong())
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, lastSeq).boxed().toList());
    }
}
