package dev.kiln.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Python;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python SDK across a restart of the Kiln it talks to (a separate Kiln process, SIGTERM then
 * started again on the same port): a follower resumes after its last seq and shows every event
 * once, in order; an upload goes on from the server's offset.
 */
class PythonCliRestartTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static KilnProcess kiln;

    @BeforeAll
    static void start() {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        // A short grace, so that the running job is released by the restart and runs again after it.
        kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-python-restart-"),
                Map.of("kiln.workers.shutdown-grace", "1s"));
    }

    @AfterAll
    static void stop() {
        if (kiln != null) {
            kiln.close();
        }
    }

    @Test
    void followersResumeAfterARestartAndShowEveryEventOnceInOrder() throws Exception {
        String token = kiln.api().newMember("py-follow");
        PythonCli cli = new PythonCli(kiln.port(), token);
        Path file = Files.writeString(TestDatabases.tempDir("kiln-python-").resolve("t.txt"), "tick");
        try (PythonCli.Running events = cli.start(
                        "submit",
                        file.toString(),
                        "-p",
                        "test-ticker",
                        "--param",
                        "count=50",
                        "--param",
                        "intervalMs=100",
                        "--follow",
                        "--json");
                PythonCli.Running text =
                        cli.start("follow", jobOf(events.awaitLines(1).getFirst()))) {
            events.awaitLines(10);
            text.awaitLines(5);

            kiln = kiln.restart();

            PythonCli.Result json = events.waitForExit();
            PythonCli.Result plain = text.waitForExit();
            assertThat(json.exit()).as(json.toString()).isZero();
            assertThat(plain.exit()).as(plain.toString()).isZero();
            List<JsonNode> printed = json.lines().stream().map(JSON::readTree).toList();
            String job = printed.getFirst().get("job").asString();
            List<JsonNode> log = kiln.api().events(token, job);
            // Not ts: a live event carries the commit time at full precision, the stored log in milliseconds.
            assertThat(printed.stream().map(PythonCliRestartTest::withoutTime))
                    .as("every event of the log, once, in order")
                    .containsExactlyElementsOf(
                            log.stream().map(PythonCliRestartTest::withoutTime).toList());
            assertThat(log)
                    .as("the job was released by the restart and ran again after it")
                    .anyMatch(e -> e.get("data").path("reason").asString("").equals("released"));
            assertThat(json.stderr()).contains("resuming in");
            List<String> partials = log.stream()
                    .filter(e -> e.get("kind").asString().equals("partial"))
                    .map(e -> e.get("data").toString())
                    .toList();
            assertThat(plain.lines().stream().map(line -> JSON.readTree(line).toString()))
                    .as("the plain follower printed each partial once, in order")
                    .containsExactlyElementsOf(partials);
        }
    }

    @Test
    void anUploadCutOffByARestartGoesOnFromTheServersOffset() throws Exception {
        String token = kiln.api().newMember("py-upload");
        PythonCli cli = new PythonCli(kiln.port(), token);
        int chunk = 128 * 1024;
        byte[] content = TestBytes.random(8 * chunk + 1000);
        Path file = Files.write(TestDatabases.tempDir("kiln-python-").resolve("big.bin"), content);
        try (PythonCli.Running upload =
                cli.script("tests/paused_upload.py", file.toString(), Integer.toString(chunk))) {
            assertThat(upload.awaitLines(1)).containsExactly("paused at " + chunk);
            KilnProcess stopping = kiln;
            CompletableFuture<KilnProcess> restarted = CompletableFuture.supplyAsync(stopping::restart);
            await().atMost(Duration.ofMinutes(1)).until(() -> !stopping.alive());
            upload.write("go on"); // while Kiln is down: the next chunk cannot get through

            kiln = restarted.join();
            PythonCli.Result run = upload.waitForExit();

            assertThat(run.exit()).as(run.toString()).isZero();
            JsonNode result = JSON.readTree(run.lines().getLast());
            List<Long> offsets =
                    result.get("offsets").valueStream().map(JsonNode::asLong).toList();
            assertThat(offsets).as("never back to the start").isSorted().doesNotHaveDuplicates();
            assertThat(offsets.getLast()).isEqualTo(content.length);
            assertThat(run.stderr()).as("the drop was noticed and retried").contains("interrupted");
            JsonNode stored = kiln.api()
                    .get("/api/v1/files/" + result.get("fileId").asString(), token)
                    .json();
            assertThat(stored.get("sha256").asString()).isEqualTo(TestBytes.sha256(content));
        }
    }

    private static List<Object> withoutTime(JsonNode event) {
        return List.of(
                event.get("job").asString(),
                event.get("seq").asLong(),
                event.get("kind").asString(),
                event.get("data"));
    }

    private static String jobOf(String firstEvent) {
        return JSON.readTree(firstEvent).get("job").asString();
    }
}
