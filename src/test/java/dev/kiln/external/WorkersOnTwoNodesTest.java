package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.PythonWorker;
import dev.kiln.testing.TestDatabases;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two Kiln processes on one PostgreSQL with external workers on both: a claim waiting on one node
 * wakes at once for a job submitted on the other (by notice) or on its own node (by the committed
 * move) — the nodes look for unannounced work only every 30 s here, and Python workers on both nodes run every job exactly once.
 */
class WorkersOnTwoNodesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> SETTINGS = Map.of(
            "kiln.workers.poll-interval", "30s",
            "kiln.workers.lease-duration", "6s",
            "kiln.workers.heartbeat-interval", "2s",
            "logging.level.dev.kiln", "INFO");

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Submits a job on {@code submitOn} once a claim waits on {@code claimOn} (its first space has
     * come: it found nothing and waits), and returns how long the claim then took to answer it.
     */
    private static Duration wake(Api claimOn, String worker, Api submitOn, String member, String type)
            throws Exception {
        HttpResponse<InputStream> waiting = HTTP.send(
                claimOn.request("/api/v1/worker/claim", worker)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"worker\":\"b\",\"processors\":[\"" + type + "\"],\"waitSeconds\":25}"))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = waiting.body()) {
            assertThat(body.read()).as("a waiting claim's first space").isEqualTo(' ');
            long submitted = System.nanoTime();
            String job = submitOn.post("/api/v1/jobs", member, "{\"type\":\"" + type + "\"}")
                    .json()
                    .get("id")
                    .asString();
            JsonNode answer = JSON.readTree(body.readAllBytes());
            Duration took = Duration.ofNanos(System.nanoTime() - submitted);
            assertThat(answer.get("jobs").get(0).get("id").asString()).isEqualTo(job);
            return took;
        }
    }

    @Test
    void claimsWakeAcrossNodesAndWorkersOnBothRunEveryJobOnce() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-worker-nodes-");
        try (KilnProcess a = KilnProcess.start(url, home, SETTINGS);
                KilnProcess b = KilnProcess.start(url, home, SETTINGS)) {
            Api apiA = a.api();
            Api apiB = b.api();
            String worker = apiA.newWorker("gpu-nodes");
            String member = apiA.newMember("nodes-owner");
            String prefix = "n" + UUID.randomUUID().toString().substring(0, 8);
            apiB.declare(worker, prefix + "-wake", "{\"accepts\":[\"none\"]}");

            String type = prefix + "-wake";
            await().atMost(WAIT)
                    .ignoreExceptions() // A reads the declarations at most a second old
                    .until(() -> apiA.processor(type) != null);
            assertThat(wake(apiB, worker, apiA, member, type))
                    .as("a claim on B woken by a submission on A")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(wake(apiB, worker, apiB, member, type))
                    .as("a claim on B woken by a submission on B")
                    .isLessThan(Duration.ofSeconds(2));

            List<PythonWorker> workers = new ArrayList<>();
            try {
                for (KilnProcess node : List.of(a, b)) {
                    workers.add(PythonWorker.start(
                            "test_worker.py",
                            "http://127.0.0.1:" + node.port(),
                            worker,
                            Map.of("PROCESSOR_PREFIX", prefix, "WORKER_NAME", "on-" + node.port())));
                }
                await().atMost(WAIT)
                        .ignoreExceptions() // not listed until the workers declared it
                        .until(() -> apiA.processor(prefix + "-reverse")
                                        .get("details")
                                        .get("workers")
                                        .asInt()
                                == 2);
                String file = apiA.textFile(member, "once on one node");
                List<String> jobs = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    jobs.add((i % 2 == 0 ? apiA : apiB).submit(member, prefix + "-reverse", file, "{}"));
                }
                for (String id : jobs) {
                    List<JsonNode> events = apiA.events(member, id);
                    assertThat(events)
                            .as(id)
                            .filteredOn(e -> e.get("kind").asString().equals("state"))
                            .extracting(e -> e.get("data").get("state").asString())
                            .containsExactly("queued", "running", "succeeded");
                }
                assertThat(workers).allMatch(PythonWorker::alive);
            } finally {
                for (PythonWorker w : workers) {
                    w.close();
                }
            }
        }
    }
}
