package dev.kiln.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kiln with JSON logs (ECS): every line is one JSON object; the lines a request writes carry its
 * request id and the caller's user id, lines about a job carry the job's id, and the lines a job's
 * worker writes carry the job's and its owner's ids. No token appears anywhere in the output.
 */
class StructuredLogsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void linesAreJsonWithTheCorrelationFieldsAndNoSecrets() {
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-logs-"),
                Map.of(
                        "logging.structured.format.console", "ecs",
                        "logging.config", "classpath:logback-structured.xml"))) {
            Api api = kiln.api();
            JsonNode created = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"logged\"}")
                    .json();
            String userId = created.at("/user/id").asString();
            String token = created.get("token").asString();
            String file = api.textFile(token, "a file to fail on");

            Api.Response submitted = api.post(
                    "/api/v1/jobs",
                    token,
                    "{\"type\":\"test-fail\",\"input\":{\"fileId\":\"" + file + "\"},\"params\":{\"retryable\":false}}",
                    Map.of("X-Request-Id", "test-123"));
            assertThat(submitted.status()).isEqualTo(202);
            assertThat(submitted.header("X-Request-Id")).contains("test-123");
            String jobId = submitted.json().get("id").asString();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.state(token, jobId).equals("failed"));
            // A request on the job's own path: its id comes from the URL.
            Api.Response retried = api.send(api.request("/api/v1/jobs/" + jobId + "/retry", token)
                    .header("X-Request-Id", "test-456")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                    .build());
            assertThat(retried.status()).isEqualTo(202);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lines(kiln).stream().anyMatch(message("job.retried")));
            List<JsonNode> lines = lines(kiln);

            JsonNode submission = only(lines, message("Audit job.submitted"));
            assertThat(submission.get("requestId").asString()).isEqualTo("test-123");
            assertThat(submission.get("userId").asString()).isEqualTo(userId);
            assertThat(submission.get("jobId").asString()).isEqualTo(jobId);
            assertThat(submission.at("/log/level").asString()).isEqualTo("INFO");

            JsonNode retry = only(lines, message("Audit job.retried"));
            assertThat(retry.get("requestId").asString()).isEqualTo("test-456");
            assertThat(retry.get("userId").asString()).isEqualTo(userId);
            assertThat(retry.get("jobId").asString()).isEqualTo(jobId);

            List<JsonNode> failures =
                    lines.stream().filter(message("failed: planned")).toList();
            assertThat(failures).isNotEmpty().allSatisfy(failure -> {
                assertThat(failure.get("jobId").asString()).isEqualTo(jobId);
                assertThat(failure.get("userId").asString())
                        .as("the job's owner")
                        .isEqualTo(userId);
                assertThat(failure.has("requestId"))
                        .as("a worker serves no request")
                        .isFalse();
            });

            String output = kiln.log();
            assertThat(output).doesNotContain(token).doesNotContain(Api.ADMIN_TOKEN);
        }
    }

    /** Every line Kiln logged, parsed; the JVM's own warnings on stderr are not Kiln's lines. */
    private static List<JsonNode> lines(KilnProcess kiln) {
        return kiln.log()
                .lines()
                .filter(line -> !line.startsWith("WARNING: ") && !line.isBlank())
                .map(line -> {
                    try {
                        return JSON.readTree(line);
                    } catch (JacksonException e) {
                        throw new AssertionError("Not a JSON log line: " + line, e);
                    }
                })
                .toList();
    }

    private static Predicate<JsonNode> message(String part) {
        return line -> line.path("message").asString("").contains(part);
    }

    private static JsonNode only(List<JsonNode> lines, Predicate<JsonNode> which) {
        List<JsonNode> matching = lines.stream().filter(which).toList();
        assertThat(matching).hasSize(1);
        return matching.getFirst();
    }
}
