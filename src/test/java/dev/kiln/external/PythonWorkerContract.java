package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.PythonWorker;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
        token = api.newWorker("py-" + suffix);
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
        // The worker declares its processors one request at a time: wait for all of them.
        await().atMost(WAIT)
                .until(() -> declared(prefix + "-reverse", prefix + "-slow", prefix + "-render") || !worker.alive());
        assertThat(worker.alive()).as(worker.log()).isTrue();
        return worker;
    }

    private boolean declared(String... names) {
        List<String> offered = api.get("/api/v1/processors", member)
                .json()
                .get("items")
                .valueStream()
                .map(p -> p.get("name").asString())
                .toList();
        return offered.containsAll(List.of(names));
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
            // Seen as an event, or already in the snapshot when the worker got there before the subscription.
            assertThat(seen)
                    .anyMatch(m -> m.path("kind").asString("").equals("progress")
                            || m.path("type").asString("").equals("snapshot")
                                    && m.path("job").path("progress").asDouble(0) > 0);
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

    @Test
    void aWorkerUploadsResultFilesThatItsOwnerListsAndDownloadsAlsoWithTheCli() throws Exception {
        worker("w1");
        int size = 200_000;
        // 3 MB: past kiln.result-files.max-size (256 KB in tests) and past what Tomcat swallows of a
        // refused body, so the refusal arrives while the SDK is still sending.
        Api.Response submitted = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"" + prefix + "-render\",\"params\":{\"size\":" + size + ",\"tooLarge\":3000000}}");
        String job = submitted.json().get("id").asString();
        await().atMost(WAIT).until(() -> List.of("succeeded", "failed").contains(api.state(member, job)));
        assertThat(api.state(member, job)).isEqualTo("succeeded");
        byte[] frames = new byte[size];
        for (int i = 0; i < size; i++) {
            frames[i] = (byte) (i % 256);
        }
        JsonNode result = api.get("/api/v1/jobs/" + job + "/result", member).json();
        assertThat(result.get("sha256").asString()).isEqualTo(TestBytes.sha256(frames));
        assertThat(result.get("refused").asString()).isEqualTo("file_too_large");

        Path out = Files.createTempDirectory("kiln-result-files-");
        ProcessResult listed = cli(out, "files", job);
        assertThat(listed.exit()).as(listed.output()).isZero();
        assertThat(listed.output().lines().toList())
                .hasSize(2)
                .anySatisfy(l -> assertThat(l).startsWith("frames.bin").contains("200000", "application/octet-stream"))
                .anySatisfy(l -> assertThat(l).startsWith("summary.txt").contains("text/plain"));
        ProcessResult downloaded = cli(out, "result", job, "--file", "frames.bin", "-o", "frames.bin");
        assertThat(downloaded.exit()).as(downloaded.output()).isZero();
        assertThat(TestBytes.sha256(Files.readAllBytes(out.resolve("frames.bin"))))
                .isEqualTo(TestBytes.sha256(frames));
        assertThat(cli(out, "result", job, "--file", "nope.bin", "-o", "nope.bin")
                        .exit())
                .isEqualTo(1);
        assertThat(out.resolve("nope.bin")).doesNotExist();
        assertThat(api.get("/api/v1/jobs/" + job + "/files/summary.txt", member).body())
                .isEqualTo("frames: 200000 bytes\n");
    }

    record ProcessResult(int exit, String output) {}

    /** {@code python3 -m kiln args…} as the job's owner, in {@code directory}. */
    private ProcessResult cli(Path directory, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", "-m", "kiln"));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment()
                .put("PYTHONPATH", Path.of("clients/python").toAbsolutePath().toString());
        builder.environment().put("KILN_URL", "http://127.0.0.1:" + port);
        builder.environment().put("KILN_TOKEN", member);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return new ProcessResult(process.exitValue(), output);
    }

    private String submit(String params) {
        Api.Response submitted =
                api.post("/api/v1/jobs", member, "{\"type\":\"" + prefix + "-slow\",\"params\":" + params + "}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        return submitted.json().get("id").asString();
    }
}
