package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import tools.jackson.databind.JsonNode;

/**
 * Reusing results and dry runs through the HTTP API with real workers, on each database (one
 * subclass per database; the same running Kiln as {@link JobApiContract}).
 */
abstract class ReuseApiContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    MeterRegistry meters;

    @Autowired
    @Qualifier("reusable")
    TestProcessor reusable;

    String token;
    String content;
    String fileId;

    @BeforeEach
    void setUp() {
        token = api.newMember("reuse-" + UUID.randomUUID());
        content = "reuse me " + UUID.randomUUID();
        fileId = api.textFile(token, content);
    }

    @Test
    void theSameContentProcessorAndParamsTakeTheEarlierResultAtOnce() {
        String first = ran(fileId, "{\"text\":\"yo\"}");
        String sameBytes = api.textFile(token, content); // another file, the same sha256
        double reusedBefore = reusedCount();

        Api.Response second = submit(sameBytes, "{\"text\":\"yo\"}", null);

        assertThat(second.status()).as(second.toString()).isEqualTo(202);
        JsonNode job = second.json();
        assertThat(job.get("state").asString()).isEqualTo("succeeded");
        assertThat(job.get("reusedFrom").asString()).isEqualTo(first);
        assertThat(job.get("input").get("fileId").asString()).isEqualTo(sameBytes);
        String id = job.get("id").asString();
        assertThat(api.job(token, id).get("reusedFrom").asString()).isEqualTo(first);
        assertThat(api.job(token, id).get("result").get("size").asLong())
                .isEqualTo(api.job(token, first).get("result").get("size").asLong());
        assertThat(api.get("/api/v1/jobs/" + id + "/result", token).body())
                .isEqualTo(api.get("/api/v1/jobs/" + first + "/result", token).body());
        List<JsonNode> events = api.events(token, id);
        assertThat(events).extracting(e -> e.get("kind").asString()).containsExactly("result", "state");
        assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        assertThat(events.getLast().get("data").get("reusedFrom").asString()).isEqualTo(first);
        assertThat(job.get("seq").asLong())
                .isEqualTo(events.getLast().get("seq").asLong());
        assertThat(reusedCount()).isEqualTo(reusedBefore + 1);

        // The copy is the reused job's own: deleting the first job leaves it whole.
        assertThat(api.delete("/api/v1/jobs/" + first, token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + id + "/result", token)
                        .json()
                        .get("text")
                        .asString())
                .isEqualTo("yo");
    }

    @Test
    void reuseFalseRunsAgain() {
        String first = ran(fileId, "{\"text\":\"yo\"}");

        String again = ranAfter(submit(fileId, "{\"text\":\"yo\"}", false));

        assertThat(api.job(token, again).has("reusedFrom")).isFalse();
        assertThat(result(again).get("run").asInt())
                .isGreaterThan(result(first).get("run").asInt());
    }

    @Test
    void otherParamsAnotherOwnerAnotherEngineVersionOrAProcessorNotReusableRunAgain() {
        ran(fileId, "{\"text\":\"yo\"}");

        assertThat(api.job(token, ranAfter(submit(fileId, "{\"text\":\"other\"}", null)))
                        .has("reusedFrom"))
                .as("other params")
                .isFalse();
        String other = api.newMember("other-" + UUID.randomUUID());
        String theirs = api.textFile(other, content);
        Api.Response othersJob = api.post(
                "/api/v1/jobs",
                other,
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + theirs + "\"},\"params\":{\"text\":\"yo\"}}");
        assertThat(othersJob.json().has("reusedFrom")).as("another owner").isFalse();
        reusable.version("2");
        try {
            assertThat(api.job(token, ranAfter(submit(fileId, "{\"text\":\"yo\"}", null)))
                            .has("reusedFrom"))
                    .as("another engine version")
                    .isFalse();
        } finally {
            reusable.version("1");
        }
        String echoed = api.submit(token, "test-echo", fileId, "{}");
        await().atMost(WAIT).until(() -> api.state(token, echoed).equals("succeeded"));
        Api.Response echoAgain =
                api.post("/api/v1/jobs", token, "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"}}");
        assertThat(echoAgain.json().has("reusedFrom"))
                .as("a processor not reusable")
                .isFalse();
        assertThat(api.processor("test-echo").get("reusable").asBoolean()).isFalse();
        assertThat(api.processor("test-reusable").get("reusable").asBoolean()).isTrue();
    }

    @Test
    void anIdempotencyKeyReplaysTheReusedJob() {
        String first = ran(fileId, "{}");
        String body = "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"}}";
        Map<String, String> key = Map.of("Idempotency-Key", "reuse-" + UUID.randomUUID());

        Api.Response reused = api.post("/api/v1/jobs", token, body, key);
        Api.Response replayed = api.post("/api/v1/jobs", token, body, key);

        assertThat(reused.json().get("reusedFrom").asString()).isEqualTo(first);
        assertThat(replayed.header("Idempotent-Replayed")).contains("true");
        assertThat(replayed.json().get("id").asString())
                .isEqualTo(reused.json().get("id").asString());
    }

    @Test
    void aDryRunChecksAndEstimatesButStoresNothing() {
        long jobsBefore = jobCount();

        Api.Response dry = dryRun("{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"}}");

        assertThat(dry.status()).as(dry.toString()).isEqualTo(200);
        assertThat(dry.json().get("valid").asBoolean()).isTrue();
        assertThat(dry.json().get("type").asString()).isEqualTo("test-reusable");
        assertThat(dry.json().get("input").get("fileId").asString()).isEqualTo(fileId);
        assertThat(dry.json().get("estimate").get("queuePosition").asLong()).isPositive();
        assertThat(dry.json().get("reuse").get("wouldReuse").asBoolean()).isFalse();
        assertThat(jobCount()).isEqualTo(jobsBefore);

        String first = ran(fileId, "{}");
        Api.Response again = dryRun("{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"}}");
        assertThat(again.json().get("reuse").get("wouldReuse").asBoolean()).isTrue();
        assertThat(again.json().get("reuse").get("from").asString()).isEqualTo(first);
        String notReusing = "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"},\"reuse\":false}";
        assertThat(dryRun(notReusing).json().get("reuse").get("wouldReuse").asBoolean())
                .isFalse();
        // From this node's measured run times of the type (counted just after the commit the test saw).
        await().atMost(WAIT)
                .until(() -> dryRun(notReusing).json().get("estimate").has("runSeconds"));
        assertThat(dryRun(notReusing).json().get("estimate").get("runSeconds").asDouble())
                .isNotNegative();
        assertThat(jobCount()).isEqualTo(jobsBefore + 1);
    }

    @Test
    void aDryRunRefusesWhatASubmissionWouldWithTheSameProblem() {
        for (String body : List.of(
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":{\"text\":7}}",
                "{\"type\":\"no-such\",\"input\":{\"fileId\":\"" + fileId + "\"}}",
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"file_nope\"}}",
                "{\"type\":\"test-wav\",\"input\":{\"fileId\":\"" + fileId + "\"}}",
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"},\"reuse\":\"no\"}")) {
            Api.Response real = api.post("/api/v1/jobs", token, body);
            Api.Response dry = dryRun(body);
            assertThat(dry.status()).as(body).isEqualTo(real.status()).isBetween(400, 499);
            assertThat(dry.code()).as(body).isEqualTo(real.code());
            assertThat(dry.json().path("field").asString(""))
                    .isEqualTo(real.json().path("field").asString(""));
        }
        assertThat(dryRunQuery("maybe").code()).isEqualTo("invalid_field");
    }

    @Test
    void aDryRunOpensTheMediaAndTheDocument() throws IOException {
        String speech = upload(Files.readAllBytes(Fixtures.path("speech.wav")), "speech.wav");
        Api.Response heard = dryRun(transcribe(speech));
        assertThat(heard.status()).as(heard.toString()).isEqualTo(200);
        assertThat(heard.json().get("input").get("duration").asDouble()).isBetween(1.0, 30.0);

        Api.Response corrupt = dryRun(transcribe(upload(Files.readAllBytes(Fixtures.path("corrupt.wav")), "c.wav")));
        assertThat(corrupt.status()).as(corrupt.toString()).isEqualTo(422);
        assertThat(corrupt.code()).isEqualTo("input_unreadable");
        assertThat(corrupt.json().get("jobCode").asString()).isEqualTo("media_unreadable");
        assertThat(corrupt.json().get("field").asString()).isEqualTo("input.fileId");
        Api.Response silent = dryRun(transcribe(upload(Files.readAllBytes(Fixtures.path("video-only.mp4")), "v.mp4")));
        assertThat(silent.json().get("jobCode").asString()).isEqualTo("no_audio");

        Api.Response paged = dryRun(extract(upload(pdf(3), "three.pdf")));
        assertThat(paged.status()).as(paged.toString()).isEqualTo(200);
        assertThat(paged.json().get("input").get("pages").asInt()).isEqualTo(3);
        byte[] junk = ("%PDF-1.7\n" + "x".repeat(4000)).getBytes(StandardCharsets.ISO_8859_1);
        Api.Response broken = dryRun(extract(upload(junk, "broken.pdf")));
        assertThat(broken.code()).isEqualTo("input_unreadable");
        assertThat(broken.json().get("jobCode").asString()).isEqualTo("document_unreadable");
    }

    private static String transcribe(String file) {
        return "{\"type\":\"transcribe\",\"input\":{\"fileId\":\"" + file + "\"}}";
    }

    private static String extract(String file) {
        return "{\"type\":\"extract\",\"input\":{\"fileId\":\"" + file + "\"}}";
    }

    private static byte[] pdf(int pages) throws IOException {
        try (PDDocument pdf = new PDDocument();
                ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            for (int i = 0; i < pages; i++) {
                pdf.addPage(new PDPage());
            }
            pdf.save(out);
            return out.toByteArray();
        }
    }

    private String upload(byte[] bytes, String name) {
        return api.file(token, bytes, name);
    }

    private Api.Response dryRun(String body) {
        return api.post("/api/v1/jobs?dryRun=true", token, body);
    }

    private Api.Response dryRunQuery(String value) {
        return api.post(
                "/api/v1/jobs?dryRun=" + value,
                token,
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + fileId + "\"}}");
    }

    private long jobCount() {
        return api.get("/api/v1/jobs/counts", token).json().get("total").asLong();
    }

    private Api.Response submit(String file, String params, Boolean reuse) {
        return api.post(
                "/api/v1/jobs",
                token,
                "{\"type\":\"test-reusable\",\"input\":{\"fileId\":\"" + file + "\"},\"params\":" + params
                        + (reuse == null ? "" : ",\"reuse\":" + reuse) + "}");
    }

    /** A job of test-reusable that really ran (reuse:false) to success. */
    private String ran(String file, String params) {
        return ranAfter(submit(file, params, false));
    }

    private String ranAfter(Api.Response submitted) {
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));
        return id;
    }

    private JsonNode result(String id) {
        return api.get("/api/v1/jobs/" + id + "/result", token).json();
    }

    private double reusedCount() {
        return meters.get("kiln.jobs.reused")
                .tag("type", "test-reusable")
                .counter()
                .count();
    }
}
