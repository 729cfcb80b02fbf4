package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.PythonWorker;
import dev.kiln.testing.StreamClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Python workers (clients/python) as real processes against a real Kiln, on each database: a job
 * runs on one and is seen exactly like a built-in one's; a worker killed mid-job loses it to
 * another; a cancel stops the Python function within a second.
 */
abstract class PythonWorkerContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<PythonWorker> workers = new ArrayList<>();
    private String token;
    private String member;
    private String prefix;

    @BeforeEach
    void identities() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        token = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"py-" + suffix + "\",\"role\":\"worker\"}")
                .json()
                .get("token")
                .asString();
        member = api.newMember("py-owner-" + suffix);
        prefix = "py" + suffix;
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (PythonWorker worker : workers) {
            worker.close();
        }
    }

    private PythonWorker worker(String name) {
        return worker(name, Map.of());
    }

    private PythonWorker worker(String name, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PROCESSOR_PREFIX", prefix);
        all.put("WORKER_NAME", name);
        PythonWorker worker = PythonWorker.start("test_worker.py", "http://127.0.0.1:" + port, token, all);
        workers.add(worker);
        await().atMost(WAIT).until(() -> declared(prefix + "-slow") || !worker.alive());
        assertThat(worker.alive()).as(worker.log()).isTrue();
        return worker;
    }

    private boolean declared(String name) {
        return api.get("/api/v1/processors", member)
                .json()
                .get("items")
                .valueStream()
                .anyMatch(p -> p.get("name").asString().equals(name));
    }

    @Test
    void aJobOnAPythonWorkerIsSeenOverTheWebSocketLikeABuiltInOne() throws Exception {
        worker("w1");
        String file = api.textFile(member, "hello python worker");
        try (StreamClient stream = StreamClient.connect(api, port, member)) {
            String job = api.submit(member, prefix + "-reverse", file, "{}");
            stream.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
            List<JsonNode> seen = new ArrayList<>();
            stream.await(
                    m -> m.path("kind").asString("").equals("state")
                            && m.path("data").path("state").asString("").equals("succeeded"),
                    WAIT,
                    seen);
            List<String> partials = seen.stream()
                    .filter(m -> m.path("kind").asString("").equals("partial"))
                    .map(m -> m.get("data").get("text").asString())
                    .toList();
            assertThat(partials).containsExactly("olleh", "nohtyp", "rekrow");
            assertThat(seen).anyMatch(m -> m.path("kind").asString("").equals("progress"));
            assertThat(api.get("/api/v1/jobs/" + job + "/result", member)
                            .json()
                            .get("text")
                            .asString())
                    .isEqualTo("rekrow nohtyp olleh");
        }
    }

    @Test
    void aWorkerKilledMidJobLosesItToAnotherAndTheJobSucceedsOnce() throws Exception {
        PythonWorker first = worker("doomed");
        String job = submit("{\"seconds\": 60, \"firstAttemptOnly\": true}");
        first.await(line -> line.equals("started " + job + " 1"), WAIT);
        first.kill();
        PythonWorker second = worker("heir");
        second.await(line -> line.equals("started " + job + " 2"), WAIT);
        await().atMost(WAIT).until(() -> api.state(member, job).equals("succeeded"));

        List<JsonNode> events = api.events(member, job);
        assertThat(events.stream().map(e -> e.get("seq").asLong()).toList())
                .as("the log is contiguous")
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("state")
                        && e.get("data").get("state").asString().equals("succeeded"))
                .hasSize(1);
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("error"))
                .extracting(e -> e.get("data").get("code").asString())
                .containsExactly("lease_expired");
        assertThat(api.get("/api/v1/jobs/" + job + "/result", member)
                        .json()
                        .get("attempt")
                        .asInt())
                .isEqualTo(2);
    }

    @Test
    void aCancelStopsThePythonFunctionWithinASecond() {
        PythonWorker worker = worker("w1");
        String job = submit("{\"seconds\": 60}");
        worker.await(line -> line.equals("started " + job + " 1"), WAIT);
        long asked = System.nanoTime();
        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", member).status())
                .isEqualTo(202);
        worker.await(line -> line.equals("cancelled " + job), WAIT);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> api.state(member, job).equals("cancelled"));
    }

    @Test
    void anIdleWorkerStopsAtOnceOnSigtermAndOneWithAJobFinishesItFirst() throws Exception {
        PythonWorker idle = worker("idle", Map.of("WORKER_GRACE", "20"));
        assertThat(idle.terminate()).as("an idle worker waits for no grace").isLessThan(Duration.ofSeconds(5));

        PythonWorker busy = worker("busy", Map.of("WORKER_GRACE", "20"));
        String job = submit("{\"seconds\": 1.5}");
        busy.await(line -> line.equals("started " + job + " 1"), WAIT);
        busy.terminate();
        assertThat(api.state(member, job)).as("finished within the grace").isEqualTo("succeeded");
    }

    private String submit(String params) {
        Api.Response submitted =
                api.post("/api/v1/jobs", member, "{\"type\":\"" + prefix + "-slow\",\"params\":" + params + "}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        return submitted.json().get("id").asString();
    }
}
