package dev.kiln.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Python;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.Zips;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python command line's batches as a user runs them, against a running Kiln: files uploaded
 * resumably and made one batch, followed to the end, shown, downloaded as a zip; cancel-all and
 * retry-failed; a batch command cut short and run again.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class PythonBatchCliTest extends ApiTestBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private String token;
    private PythonCli cli;
    private Path dir;

    @BeforeEach
    void user() {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        token = api.newMember("pyb-" + UUID.randomUUID().toString().substring(0, 8));
        cli = new PythonCli(port, token);
        dir = TestDatabases.tempDir("kiln-python-batch-");
    }

    private Path write(String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aBatchOfDocumentsIsExtractedFollowedAndDownloadedAsAZip() throws Exception {
        Path one = write("one.md", "# One\n\nThe first document of the batch.\n");
        Path two = write("two.txt", "The second document of the batch.\n");

        PythonCli.Result run = cli.run("batch", one.toString(), two.toString(), "--type", "extract", "--follow");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stderr()).contains("(2 jobs)").contains("100% · 2 of 2 done");
        String batch = run.stdout().lines().findFirst().orElseThrow().split(" ")[0];
        assertThat(batch).startsWith("batch_");
        assertThat(run.stdout()).contains("succeeded").contains("one.md").contains("two.txt");

        PythonCli.Result shown = cli.run("batch-show", batch, "--json");
        JsonNode json = JSON.readTree(shown.stdout());
        assertThat(json.get("counts").get("succeeded").asLong()).isEqualTo(2);
        assertThat(json.get("name").asString()).isEqualTo("one.md and 1 more");

        Path zip = dir.resolve("out.zip");
        PythonCli.Result download = cli.run("batch-download", batch, "--format", "txt", "-o", zip.toString());

        assertThat(download.exit()).as(download.toString()).isZero();
        Map<String, String> entries = Zips.texts(Files.newInputStream(zip));
        assertThat(entries.get("two.txt")).contains("The second document of the batch.");
        assertThat(entries.keySet()).containsExactly("one.txt", "two.txt", "manifest.json");
        PythonCli.Result unknown = cli.run("batch-download", batch, "--format", "srt", "-o", zip.toString());
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("unknown_format");
        assertThat(Files.exists(dir.resolve("out.zip.part"))).isFalse();
    }

    @Test
    void cancelAllThenRetryFailedRunTheBatchesJobsAgain() {
        Path a = write("a.txt", "a");
        Path b = write("b.txt", "b");
        PythonCli.Result made = cli.run(
                "batch", a.toString(), b.toString(), "-p", "test-sleep", "--param", "ms=60000", "--param", "steps=600");
        assertThat(made.exit()).as(made.toString()).isZero();
        String batch = made.stdout().strip();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.get("/api/v1/batches/" + batch, token)
                                .json()
                                .get("counts")
                                .get("running")
                                .asLong()
                        == 2);

        PythonCli.Result cancel = cli.run("batch-cancel", batch);

        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        PythonCli.Result followed = cli.run("batch-show", batch, "--follow");
        assertThat(followed.exit()).as("a cancelled batch is not a success").isEqualTo(1);
        assertThat(followed.stdout()).contains("2 cancelled");

        PythonCli.Result retry = cli.run("batch-retry", batch);

        assertThat(retry.exit()).as(retry.toString()).isZero();
        assertThat(retry.stdout()).doesNotContain("cancelled");
        assertThat(cli.run("batch-cancel", batch).exit()).isZero();
    }

    @Test
    void aBatchCutShortIsTakenUpByTheSameCommandUploadingNothingTwiceAndMakingOneBatch() {
        Path one = write("one.txt", "The first file.");
        Path two = write("two.txt", "x".repeat(960 << 10)); // 60 chunks of 16 KiB: cut midway
        String[] command = {
            "batch",
            one.toString(),
            two.toString(),
            "-p",
            "test-sleep",
            "--param",
            "ms=1500",
            "--chunk-size",
            "16384",
            "--follow"
        };
        try (PythonCli.Running cut = cli.start(command)) {
            cut.awaitError("one.txt: uploaded (");
            cut.kill();
        }
        long filesAfterCut = files();
        try (PythonCli.Running again = cli.start(command)) {
            again.awaitError("submitted");
            assertThat(again.stderr()).contains("one.txt: uploaded before (");
            again.kill();
        }

        PythonCli.Result last = cli.run(command);

        assertThat(last.exit()).as(last.toString()).isZero();
        assertThat(last.stderr()).contains("one.txt: uploaded before (").contains("two.txt: uploaded before (");
        assertThat(filesAfterCut)
                .as("one.txt, and two.txt if it was in before the cut")
                .isBetween(1L, 2L);
        assertThat(files()).as("each file uploaded once").isEqualTo(2);
        JsonNode batches = api.get("/api/v1/batches", token).json().get("items");
        assertThat(batches.size()).as("the same batch, answered again").isEqualTo(1);
        assertThat(last.stdout()).contains(batches.get(0).get("id").asString()).contains("100% · 2 of 2 done");
        assertThat(cli.run(command).stderr())
                .as("a command that did its work forgets it: run again, it uploads again")
                .contains("one.txt: uploaded (");
    }

    private long files() {
        return api.get("/api/v1/files", token).json().get("total").asLong();
    }
}
