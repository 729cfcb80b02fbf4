package dev.kiln.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Python;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python command line ({@code python -m kiln}) as a user runs it, against a running Kiln:
 * tus upload, submit, follow with partial results, download, cancel, exit codes, and the
 * progress bar on a terminal.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class PythonCliTest extends ApiTestBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SUBMITTED = Pattern.compile("job (job_\\w+) submitted");

    private String token;
    private PythonCli cli;
    private Path dir;

    @BeforeEach
    void user() {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        token = api.newMember("py-" + UUID.randomUUID().toString().substring(0, 8));
        cli = new PythonCli(port, token);
        dir = TestDatabases.tempDir("kiln-python-");
    }

    @Test
    void submitUploadsTheFileFollowsTheJobAndPrintsEachPartialsText() throws Exception {
        byte[] content = "Kiln, from Python.\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("note.txt"), content);

        PythonCli.Result run = cli.run(
                "submit",
                file.toString(),
                "--processor",
                "test-echo",
                "--param",
                "partials=5",
                "--param",
                "text=hello from python",
                "--follow");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.lines())
                .containsExactly(
                        IntStream.range(0, 5).mapToObj(i -> "hello from python").toArray(String[]::new));
        assertThat(run.stderr()).contains("running (attempt 1)").endsWith("succeeded\n");
        JsonNode result = JSON.readTree(api.get("/api/v1/jobs/" + jobId(run.stderr()) + "/result", token)
                .body());
        assertThat(result.get("sha256").asString())
                .as("what the job read is the file, uploaded with tus")
                .isEqualTo(TestBytes.sha256(content));
        assertThat(result.get("mediaType").asString()).isEqualTo("text/plain");
    }

    @Test
    void partialResultsArePrintedAsTheyArriveNotAtTheEnd() throws Exception {
        Path file = Files.writeString(dir.resolve("tick.txt"), "tick");
        try (PythonCli.Running running = cli.start(
                "submit",
                file.toString(),
                "-p",
                "test-ticker",
                "--param",
                "count=30",
                "--param",
                "intervalMs=100",
                "--follow")) {
            running.awaitLines(1);
            assertThat(api.state(token, jobId(running.stderr())))
                    .as("the first partial is printed while the job still runs")
                    .isEqualTo("running");

            PythonCli.Result run = running.waitForExit();

            assertThat(run.exit()).as(run.toString()).isZero();
            List<Integer> indexes = run.lines().stream()
                    .map(line -> JSON.readTree(line).get("index").asInt())
                    .toList();
            assertThat(indexes)
                    .as("compact JSON of partials without text, each once, in order")
                    .isEqualTo(IntStream.rangeClosed(1, 30).boxed().toList());
        }
    }

    @Test
    void resultWritesTheRenderedFormatToAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("doc.md"), "# Notes\n\nKiln turns documents into text.\n");
        PythonCli.Result submitted = cli.run("submit", file.toString(), "--processor", "extract");
        assertThat(submitted.exit()).as(submitted.toString()).isZero();
        String job = submitted.stdout().strip();
        assertThat(cli.run("follow", job).exit()).isZero();

        Path out = dir.resolve("out.txt");
        PythonCli.Result text = cli.run("result", job, "--format", "txt", "-o", out.toString());

        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(Files.readString(out))
                .isEqualTo(api.get("/api/v1/jobs/" + job + "/result?format=txt", token)
                        .body())
                .contains("Kiln turns documents into text.");
        PythonCli.Result json = cli.run("result", job);
        assertThat(JSON.readTree(json.stdout()).get("text").asString()).contains("Kiln turns documents");
        PythonCli.Result unknown = cli.run("result", job, "--format", "srt");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("unknown_format").contains("available: [\"json\"");
    }

    @Test
    void cancelStopsARunningJobAndFollowingItThenExitsWithOne() {
        Path file = write("sleep.txt", "zzz");
        PythonCli.Result submitted =
                cli.run("submit", file.toString(), "-p", "test-sleep", "--param", "ms=60000", "--param", "steps=600");
        String job = submitted.stdout().strip();
        await().atMost(Duration.ofSeconds(30)).until(() -> api.state(token, job).equals("running"));

        PythonCli.Result cancel = cli.run("cancel", job);

        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        assertThat(cancel.stdout()).isEqualTo(job + " cancel requested\n");
        PythonCli.Result follow = cli.run("follow", job);
        assertThat(follow.exit()).as(follow.toString()).isEqualTo(1);
        assertThat(follow.stderr()).endsWith("cancelled\n");
        assertThat(cli.run("jobs").stdout()).containsPattern(job + " +test-sleep +cancelled");
        PythonCli.Result again = cli.run("cancel", job);
        assertThat(again.exit()).isZero();
        assertThat(again.stdout()).isEqualTo(job + " cancelled\n");
    }

    @Test
    void usageErrorsExitWithTwoAndRefusalsWithOne() {
        Path file = write("a.txt", "a");

        assertThat(cli.run("submit", "--processor", "test-echo").exit()).isEqualTo(2);
        assertThat(cli.run("submit", file.toString()).exit())
                .as("no --processor")
                .isEqualTo(2);
        assertThat(cli.run("submit", file.toString(), "-p", "test-echo", "--no-input")
                        .exit())
                .isEqualTo(2);
        PythonCli.Result unknown = cli.run("submit", file.toString(), "-p", "no-such-thing");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("unknown_processor").contains("test-echo");
        PythonCli.Result badParams = cli.run("submit", file.toString(), "-p", "test-echo", "--param", "partials=many");
        assertThat(badParams.exit()).isEqualTo(1);
        assertThat(badParams.stderr()).contains("invalid_params").contains("params.partials");
        PythonCli.Result missing = cli.run("follow", "job_doesnotexist");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr()).contains("404 job_not_found");
        PythonCli.Result wrongToken = new PythonCli(port, "kiln_wrong").run("jobs");
        assertThat(wrongToken.exit()).isEqualTo(1);
        assertThat(wrongToken.stderr()).contains("401 unauthenticated");
    }

    @Test
    void onATerminalTheProgressBarIsRedrawnInPlace() {
        Path file = write("tty.txt", "tty");

        PythonCli.Result run = cli.onTerminal(
                "submit",
                file.toString(),
                "-p",
                "test-ticker",
                "--param",
                "count=20",
                "--param",
                "intervalMs=100",
                "--follow");

        assertThat(run.exit()).as(run.toString()).isZero();
        Matcher bars =
                Pattern.compile("\r\u001b\\[K\\[[#-]{24}] +(\\d+)%  ticking").matcher(run.stdout());
        List<Integer> percents =
                bars.results().map(m -> Integer.parseInt(m.group(1))).distinct().toList();
        assertThat(percents).as(run.stdout()).hasSizeGreaterThan(2).isSorted();
        assertThat(run.stdout())
                .as("partials are printed above the bar")
                .contains("\"index\":20")
                .contains("succeeded");
    }

    private Path write(String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String jobId(String stderr) {
        Matcher matcher = SUBMITTED.matcher(stderr);
        assertThat(matcher.find()).as(stderr).isTrue();
        return matcher.group(1);
    }
}
