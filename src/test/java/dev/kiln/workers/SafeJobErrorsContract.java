package dev.kiln.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StreamClient;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * Processors that throw exceptions whose text holds paths and secrets: what the job's owner sees
 * (the job, its events over polling, SSE and the WebSocket) is a stable code and a message written
 * for users; the exception, its cause and stack go to the log on a line naming the job. One
 * subclass per database.
 */
@ExtendWith(OutputCaptureExtension.class)
abstract class SafeJobErrorsContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** A log line that starts an entry: its timestamp. */
    private static final Pattern NEW_ENTRY = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT");
    /** What the test processor's exceptions carry; none of it may reach a user. */
    private static final List<String> LEAKS = List.of(
            "/var/secret", "abc123", "token=", "/srv/kiln", "hunter2", "/etc/kiln", "Exception", "\tat ", "dev.kiln");

    @Test
    void exceptionTextGoesToTheLogAndUsersSeeACodeAndAMessage(CapturedOutput log) throws Exception {
        String token = api.newMember("errors-" + UUID.randomUUID());
        String file = api.textFile(token, "fail on me");
        List<JsonNode> pushed = new ArrayList<>();
        String io;
        String bug;
        try (StreamClient socket = StreamClient.connect(api, port, token)) {
            socket.await("welcome", WAIT);
            socket.send("{\"type\":\"subscribe\",\"mine\":true}");
            socket.await("subscribed", WAIT);
            io = api.submit(token, "test-fail", file, "{\"kind\":\"leak\"}");
            bug = api.submit(token, "test-fail", file, "{\"kind\":\"leak-nested\"}");
            Set<String> jobs = Set.of(io, bug);
            List<String> finished = new ArrayList<>();
            while (finished.size() < 2) {
                JsonNode event = socket.await("event", WAIT);
                pushed.add(event);
                if (jobs.contains(event.get("job").asString())
                        && event.get("kind").asString().equals("state")
                        && event.at("/data/state").asString().equals("failed")) {
                    finished.add(event.get("job").asString());
                }
            }
        }
        assertThat(pushed)
                .filteredOn(e -> e.get("kind").asString().equals("error"))
                .hasSize(6);

        for (String job : List.of(io, bug)) {
            await().atMost(WAIT).until(() -> api.state(token, job).equals("failed"));
            assertSafe("the WebSocket's events", pushed.toString());
            assertSafe("the job", api.job(token, job).toString());
            assertSafe(
                    "the polled events",
                    api.get("/api/v1/jobs/" + job + "/events", token).body());
            assertSafe("the SSE stream", sse(token, job));
        }
        JsonNode ioError = api.job(token, io).get("error");
        assertThat(ioError.get("code").asString()).isEqualTo("io_error");
        assertThat(ioError.get("retryable").asBoolean()).isTrue();
        assertThat(ioError.get("message").asString()).contains("disk or network");
        JsonNode bugError = api.job(token, bug).get("error");
        assertThat(bugError.get("code").asString()).isEqualTo("processor_error");
        assertThat(bugError.get("message").asString()).contains("job id");

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(entryAbout(log.getAll(), io))
                    .contains("io_error", "java.io.IOException: /var/secret/path", "\tat dev.kiln.testing");
            assertThat(entryAbout(log.getAll(), bug))
                    .contains(
                            "processor_error",
                            "wrapped at /srv/kiln/private/x.bin",
                            "Caused by: java.lang.IllegalStateException",
                            "/etc/kiln/secret.conf");
        });
    }

    private static void assertSafe(String where, String text) {
        assertThat(text).as(where).doesNotContain(LEAKS);
    }

    /** The log entry (its line, then the stack trace below it) of the job's first failed attempt. */
    private static String entryAbout(String log, String job) {
        List<String> lines = log.lines().toList();
        StringBuilder entry = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("Job " + job + " attempt 1 failed")) {
                entry.append(lines.get(i));
                for (int j = i + 1;
                        j < lines.size() && !NEW_ENTRY.matcher(lines.get(j)).find();
                        j++) {
                    entry.append('\n').append(lines.get(j));
                }
                break;
            }
        }
        return entry.toString();
    }

    private String sse(String token, String job) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + job + "/events", token)
                                .header("Accept", "text/event-stream")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
