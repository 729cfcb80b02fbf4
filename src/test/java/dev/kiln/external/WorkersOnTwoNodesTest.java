package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.PythonWorker;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two Kiln processes on one PostgreSQL with external workers on both: a claim waiting on one node
 * wakes at once for a job submitted on the other (by notice: the nodes look for unannounced work
 * only every 30 s here), and Python workers on both nodes run every job exactly once.
 */
class WorkersOnTwoNodesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> SETTINGS = Map.of(
            "kiln.workers.poll-interval", "30s",
            "kiln.workers.lease-duration", "6s",
            "kiln.workers.heartbeat-interval", "2s",
            "logging.level.dev.kiln", "INFO");

    @Test
    void claimsWakeAcrossNodesAndWorkersOnBothRunEveryJobOnce() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-worker-nodes-");
        try (KilnProcess a = KilnProcess.start(url, home, SETTINGS);
                KilnProcess b = KilnProcess.start(url, home, SETTINGS)) {
            Api apiA = a.api();
            Api apiB = b.api();
            String worker = apiA.post(
                            "/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"gpu-nodes\",\"role\":\"worker\"}")
                    .json()
                    .get("token")
                    .asString();
            String member = apiA.newMember("nodes-owner");
            String prefix = "n" + UUID.randomUUID().toString().substring(0, 8);
            assertThat(apiB.send(apiB.request("/api/v1/worker/processors/" + prefix + "-wake", worker)
                                    .header("Content-Type", "application/json")
                                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"accepts\":[\"none\"]}"))
                                    .build())
                            .status())
                    .isEqualTo(200);

            CompletableFuture<Api.Response> waiting = CompletableFuture.supplyAsync(() -> apiB.post(
                    "/api/v1/worker/claim",
                    worker,
                    "{\"worker\":\"b\",\"processors\":[\"" + prefix + "-wake\"],\"waitSeconds\":25}"));
            await().atMost(WAIT)
                    .ignoreExceptions() // A reads the declarations at most a second old
                    .until(() -> apiA.processor(prefix + "-wake")
                                    .get("details")
                                    .get("workers")
                                    .asInt()
                            == 1);
            long submitted = System.nanoTime();
            String job = apiA.post("/api/v1/jobs", member, "{\"type\":\"" + prefix + "-wake\"}")
                    .json()
                    .get("id")
                    .asString();
            Api.Response claimed = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - submitted))
                    .as("a claim on B woken by a submission on A")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(claimed.json().get("jobs").get(0).get("id").asString()).isEqualTo(job);

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
