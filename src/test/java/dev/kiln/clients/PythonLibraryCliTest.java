package dev.kiln.clients;

import static dev.kiln.testing.TestBytes.rareWord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Python;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python command line's retry, deletions, jobs of a file, batch list, search and ask as a user runs them,
 * against a running Kiln: what succeeds, and each refusal as one line from Kiln's problem.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class PythonLibraryCliTest extends ApiTestBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private String token;
    private PythonCli cli;

    @BeforeEach
    void user() {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        token = api.newMember("pyl-" + UUID.randomUUID().toString().substring(0, 8));
        cli = new PythonCli(port, token);
    }

    @Test
    void retryRunsAFailedJobAgainAndRefusesOneThatSucceeded() {
        String failed = api.submit(token, "test-fail", api.textFile(token, "f"), "{\"retryable\": false}");
        String succeeded = api.submit(token, "test-echo", api.textFile(token, "e"), "{}");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(token, failed).equals("failed"));
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(token, succeeded).equals("succeeded"));

        PythonCli.Result retried = cli.run("retry", failed, "--follow");

        assertThat(retried.exit()).as("it failed again").isEqualTo(1);
        assertThat(retried.stderr())
                .as("the new attempt's events only, not the first attempt's again")
                .isEqualTo("job " + failed + " queued\nrunning (attempt 1)\n"
                        + "error: planned: planned failure (not retryable)\nfailed\n");
        PythonCli.Result again = cli.run("retry", succeeded);
        assertThat(again.exit()).as(again.toString()).isEqualTo(1);
        assertThat(again.stderr())
                .isEqualTo("kiln retry: Job " + succeeded
                        + " is succeeded; only failed or cancelled jobs can be retried. [409 job_not_retryable]\n");
    }

    @Test
    void deleteGoesOnPastRefusalsAndDeleteFileTakesTheJobsAlongWhenAsked() {
        String file = api.textFile(token, "d");
        String finished = api.submit(token, "test-echo", file, "{}");
        String running = api.submit(token, "test-sleep", file, "{\"ms\": 60000, \"steps\": 600}");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(token, finished).equals("succeeded"));
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(token, running).equals("running"));

        PythonCli.Result deleted = cli.run("delete", running, "job_nosuchjob", finished);

        assertThat(deleted.exit()).as(deleted.toString()).isEqualTo(1);
        assertThat(deleted.stdout()).isEqualTo(finished + " deleted\n");
        assertThat(deleted.stderr().lines())
                .containsExactly(
                        "kiln delete: Job " + running + " is running; cancel it (POST /api/v1/jobs/" + running
                                + "/cancel), then delete it. [409 job_running] (python -m kiln cancel JOB)",
                        "kiln delete: No job job_nosuchjob. [404 job_not_found]");
        assertThat(api.get("/api/v1/jobs/" + finished, token).status()).isEqualTo(404);

        PythonCli.Result inUse = cli.run("delete-file", file);
        assertThat(inUse.exit()).isEqualTo(1);
        assertThat(inUse.stderr()).contains("[409 file_in_use] (--with-jobs deletes them too)\n");
        assertThat(cli.run("cancel", running).exit()).isZero();
        await().atMost(Duration.ofMinutes(1))
                .until(() -> api.state(token, running).equals("cancelled"));
        PythonCli.Result withJobs = cli.run("delete-file", file, "--with-jobs");
        assertThat(withJobs.exit()).as(withJobs.toString()).isZero();
        assertThat(withJobs.stdout()).isEqualTo(file + " deleted\n");
        assertThat(api.get("/api/v1/jobs/" + running, token).status()).isEqualTo(404);
    }

    @Test
    void jobsWithAFileListsTheJobsMadeFromItAndAnInvalidIdIsOneLine() {
        String file = api.textFile(token, "again");
        String idle = api.idleProcessor(); // its jobs stay queued: no worker claims
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(api.submit(token, idle, file, "{}"));
        }
        api.submit(token, idle, api.textFile(token, "other"), "{}");

        PythonCli.Result listed = cli.run("jobs", "--file", file, "--json");
        assertThat(listed.exit()).as(listed.toString()).isZero();
        assertThat(listed.stdout()
                        .lines()
                        .map(line -> JSON.readTree(line).get("id").asString()))
                .containsExactlyInAnyOrderElementsOf(made);
        PythonCli.Result invalid = cli.run("jobs", "--file", "talk.wav");
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.stderr()).contains("[400 invalid_field]");
    }

    @Test
    void batchesAreListedNewestFirstAndAZeroLimitIsAUsageError() {
        String first = batch("first", api.textFile(token, "1"));
        String second = batch("second", api.textFile(token, "2"));

        PythonCli.Result listed = cli.run("batches");

        assertThat(listed.exit()).as(listed.toString()).isZero();
        assertThat(listed.lines()).hasSize(2);
        assertThat(listed.lines().get(0))
                .startsWith(second)
                .contains("test-echo")
                .endsWith("second");
        assertThat(listed.lines().get(1)).startsWith(first).endsWith("first");
        PythonCli.Result one = cli.run("batches", "--limit", "1", "--json");
        assertThat(JSON.readTree(one.stdout()).get("id").asString()).isEqualTo(second);
        PythonCli.Result zero = cli.run("batches", "--limit", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.stderr()).endsWith("error: argument --limit: must be 1 or more, not 0\n");
        assertThat(cli.run("jobs", "--limit", "0").exit()).isEqualTo(2);
    }

    @Test
    void searchShowsHitsAndAskAnswersWithItsSources() {
        String rare = rareWord();
        String document = api.searchableDocument(token, "The " + rare + " budget rose by ten percent.", rare);

        PythonCli.Result found = cli.run("search", rare, "budget");

        assertThat(found.exit()).as(found.toString()).isZero();
        assertThat(found.lines())
                .containsExactly(document + "  note.txt  segment 0", "  The " + rare + " budget rose by ten percent.");
        PythonCli.Result none = cli.run("search", rareWord());
        assertThat(none.exit()).isZero();
        assertThat(none.stderr()).isEqualTo("no hits\n");

        PythonCli.Result asked = cli.run("ask", "How much did the " + rare + " budget rise?");

        assertThat(asked.exit()).as(asked.toString()).isZero();
        assertThat(asked.stdout())
                .startsWith("No language model is configured")
                .contains("[1] The " + rare + " budget rose by ten percent.")
                .endsWith("\n\n[1] note.txt (" + document + ", segment 0)\n");
        assertThat(asked.stderr()).startsWith("answer job_");
        PythonCli.Result json = cli.run("ask", "How much did the " + rare + " budget rise?", "--json");
        JsonNode result = JSON.readTree(json.stdout());
        assertThat(result.get("mode").asString()).isEqualTo("extractive");
        assertThat(result.get("citations").get(0).get("jobId").asString()).isEqualTo(document);
    }

    @Test
    void versionIsTheClients() {
        PythonCli.Result version = cli.run("--version");

        assertThat(version.exit()).isZero();
        assertThat(version.stdout()).matches("kiln-python \\d+\\.\\d+\\.\\d+\n");
    }

    private String batch(String name, String file) {
        Api.Response made = api.post(
                "/api/v1/batches",
                token,
                "{\"type\": \"test-echo\", \"name\": \"" + name + "\", \"files\": [\"" + file + "\"]}");
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        return made.json().get("id").asString();
    }
}
