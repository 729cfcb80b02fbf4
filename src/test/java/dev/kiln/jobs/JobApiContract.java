package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.TestBytes;
import dev.kiln.workers.WorkerPool;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Jobs through the HTTP API with real workers, on each database (one subclass per database). */
abstract class JobApiContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    String token;
    String fileId;
    String content;

    @BeforeEach
    void setUp() {
        token = api.newMember("user-" + UUID.randomUUID());
        content = "hello kiln " + UUID.randomUUID();
        fileId = api.textFile(token, content);
    }

    @Test
    void jobRunsToCompletionWithPartialResultsAndAGaplessEventLog() throws Exception {
        Api.Response submitted = api.post(
                "/api/v1/jobs",
                token,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId
                        + "\"},\"params\":{\"partials\":3,\"text\":\"yo\"}}");

        assertThat(submitted.status()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        assertThat(submitted.header("Location")).contains("/api/v1/jobs/" + id);
        assertThat(submitted.json().get("state").asString()).isEqualTo("queued");
        assertThat(submitted.json().get("input").get("fileId").asString()).isEqualTo(fileId);
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));

        JsonNode job = api.job(token, id);
        assertThat(job.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(job.get("attempt").asInt()).isEqualTo(1);
        assertThat(job.get("startedAt").asString()).isNotBlank();
        assertThat(job.get("finishedAt").asString()).isNotBlank();
        assertThat(job.get("result").get("href").asString()).isEqualTo("/api/v1/jobs/" + id + "/result");
        JsonNode result = api.get("/api/v1/jobs/" + id + "/result", token).json();
        assertThat(result.get("text").asString()).isEqualTo("yo");
        assertThat(result.get("mediaType").asString()).isEqualTo("text/plain");
        assertThat(result.get("sha256").asString())
                .isEqualTo(TestBytes.sha256(content.getBytes(StandardCharsets.UTF_8)));

        List<JsonNode> events = events(id);
        assertThat(events)
                .extracting(e -> e.get("seq").asLong())
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, job.get("seq").asLong())
                                .boxed()
                                .toList());
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("partial"))
                .extracting(e -> e.get("data").get("index").asInt())
                .containsExactly(1, 2, 3);
        assertThat(events.getLast().get("kind").asString()).isEqualTo("state");
        assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        assertThat(events).allSatisfy(e -> assertThat(e.get("job").asString()).isEqualTo(id));
    }

    @Test
    void aWorkerPoolStoppedAndStartedAgainRunsJobs(@Autowired WorkerPool workers) {
        workers.stop();
        String queued = api.submit(token, "test-noop", fileId, "{}");
        assertThat(api.state(token, queued)).isEqualTo("queued");

        workers.start();

        await().atMost(WAIT).until(() -> api.state(token, queued).equals("succeeded"));
        String cancelled = api.submit(token, "test-timeout", fileId, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, cancelled).equals("failed"));
        assertThat(api.job(token, cancelled).get("error").get("code").asString())
                .isEqualTo("timeout");
    }

    @Test
    void progressIsStoredAsTheJobRuns() {
        String id = api.submit(token, "test-sleep", fileId, "{\"ms\":600,\"steps\":6}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));

        List<Double> progress = events(id).stream()
                .filter(e -> e.get("kind").asString().equals("progress"))
                .map(e -> e.get("data").get("progress").asDouble())
                .toList();
        assertThat(progress).isNotEmpty().isSorted();
        assertThat(events(id))
                .filteredOn(e -> e.get("kind").asString().equals("progress"))
                .allSatisfy(
                        e -> assertThat(e.get("data").get("stage").asString()).isEqualTo("sleeping"));
    }

    @Test
    void rapidProgressIsCoalescedToAFewEventsPerInterval() {
        // 1,000 updates over about a second; the test setting stores at most one per 50 ms.
        String id = api.submit(token, "test-sleep", fileId, "{\"ms\":1000,\"steps\":1000}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));

        JsonNode job = api.job(token, id);
        Duration ran = Duration.between(
                java.time.Instant.parse(job.get("startedAt").asString()),
                java.time.Instant.parse(job.get("finishedAt").asString()));
        long stored = events(id).stream()
                .filter(e -> e.get("kind").asString().equals("progress"))
                .count();
        assertThat(stored).isBetween(2L, ran.toMillis() / 50 + 2);
    }

    @Test
    void badSubmissionsAreRefusedNamingTheProblem() {
        String other = api.newMember("other-" + UUID.randomUUID());
        String othersFile = api.textFile(other, "theirs");
        String wav = "{\"type\":\"test-wav\",\"input\":{\"fileId\":\"" + fileId + "\"}}";

        expectProblem(
                post("{\"type\":\"no-such\",\"input\":{\"fileId\":\"" + fileId + "\"}}"),
                400,
                "unknown_processor",
                "type");
        Api.Response withoutInput = post("{\"type\":\"test-echo\"}");
        expectProblem(withoutInput, 400, "invalid_field", "input");
        assertThat(withoutInput.json().get("detail").asString())
                .isEqualTo("Processor 'test-echo' needs an input file: give input {\"fileId\": \"…\"}.");
        expectProblem(post("{\"type\":\"test-echo\",\"input\":5}"), 400, "invalid_field", "input");
        expectProblem(post("{\"type\":\"test-echo\",\"input\":{}}"), 400, "invalid_field", "input.fileId");
        expectProblem(post("{\"input\":{\"fileId\":\"" + fileId + "\"}}"), 400, "invalid_field", "type");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"file_nope\"}}"),
                404,
                "file_not_found",
                "input.fileId");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + othersFile + "\"}}"),
                404,
                "file_not_found",
                "input.fileId");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"colour\":1}"),
                400,
                "invalid_field",
                "colour");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId
                        + "\"},\"params\":{\"partials\":\"many\"}}"),
                400,
                "invalid_params",
                "params.partials");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":{\"nope\":1}}"),
                400,
                "invalid_params",
                "params.nope");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":[]}"),
                400,
                "invalid_params",
                "params");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"priority\":5}"),
                400,
                "invalid_field",
                "priority");
        expectProblem(
                post("{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"priority\":1.5}"),
                400,
                "invalid_field",
                "priority");
        expectProblem(post("[1,2]"), 400, "invalid_field", "body");
        expectProblem(post("{\"type\":"), 400, "malformed_json", null);
        Api.Response unsupported = post(wav);
        expectProblem(unsupported, 415, "unsupported_media_type", "input.fileId");
        assertThat(unsupported.json().get("accepted").toString()).contains("audio/vnd.wave");
        assertThat(unsupported.json().get("mediaType").asString()).isEqualTo("text/plain");
        expectProblem(
                api.send(api.request("/api/v1/jobs", token)
                        .header("Content-Type", "text/plain")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                        .build()),
                415,
                "unsupported_content_type",
                null);
        expectProblem(
                api.post("/api/v1/jobs", token, wav, Map.of("Idempotency-Key", "x".repeat(300))),
                400,
                "invalid_field",
                "Idempotency-Key");
        assertThat(api.get("/api/v1/jobs", token).json().get("items")).isEmpty();
    }

    @Test
    void cancellingARunningJobStopsItPromptlyAndItsLastPartialsAreKept() {
        String gate = UUID.randomUUID().toString();
        String id = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("running"));

        Api.Response cancel = api.postEmpty("/api/v1/jobs/" + id + "/cancel", token);

        assertThat(cancel.status()).isEqualTo(202);
        assertThat(cancel.json().get("cancelRequested").asBoolean()).isTrue();
        long requested = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).until(() -> api.state(token, id).equals("cancelled"));
        // Well inside the enforced bound (2 s in tests): the job stopped itself.
        assertThat(Duration.ofNanos(System.nanoTime() - requested)).isLessThan(Duration.ofSeconds(1));
        assertThat(api.postEmpty("/api/v1/jobs/" + id + "/cancel", token).status())
                .isEqualTo(200);
        List<JsonNode> events = events(id);
        assertThat(states(id)).containsExactly("queued", "running", "running", "cancelled");
        assertThat(events.get(events.size() - 2).get("kind").asString()).isEqualTo("partial");
        assertThat(events.get(events.size() - 2).get("data").get("last").asString())
                .isEqualTo("words");
    }

    @Test
    void cpuBoundJobsDoNotStarveRequests() throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        String started = UUID.randomUUID().toString();
        List<String> spinning = IntStream.range(0, cores)
                .mapToObj(i -> api.submit(token, "test-spin", fileId, "{\"ms\":4000,\"signal\":\"" + started + "\"}"))
                .toList();
        assertThat(Gates.awaitArrivals(started, cores, WAIT))
                .as("all spinners started")
                .isTrue();

        // Every core is now busy in a processor; a request must still be served at once.
        long start = System.nanoTime();
        assertThat(api.get("/api/v1/jobs?limit=1", token).status()).isEqualTo(200);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        await().atMost(WAIT)
                .until(() -> spinning.stream().allMatch(j -> api.state(token, j).equals("succeeded")));
    }

    @Test
    void aJobIgnoringCancellationIsCancelledAtTheBoundAndItsLateResultRefused() {
        String id = api.submit(token, "test-stubborn", fileId, "{\"ms\":3500}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("running"));

        assertThat(api.postEmpty("/api/v1/jobs/" + id + "/cancel", token).status())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(4)).until(() -> api.state(token, id).equals("cancelled"));
        long seq = api.job(token, id).get("seq").asLong();

        // The stubborn code returns a result after the bound: nobody takes it.
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(4))
                .until(() -> api.job(token, id).get("seq").asLong() == seq
                        && api.state(token, id).equals("cancelled"));
        assertThat(api.get("/api/v1/jobs/" + id + "/result", token).code()).isEqualTo("result_not_found");
    }

    @Test
    void cancellingAQueuedJobIsImmediate() {
        String gate = UUID.randomUUID().toString();
        List<String> blockers = IntStream.range(0, 4)
                .mapToObj(i -> api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}"))
                .toList();
        await().atMost(WAIT)
                .until(() -> blockers.stream().allMatch(b -> api.state(token, b).equals("running")));
        String waiting = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");

        Api.Response cancel = api.postEmpty("/api/v1/jobs/" + waiting + "/cancel", token);

        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("state").asString()).isEqualTo("cancelled");
        Gates.open(gate);
        await().atMost(WAIT)
                .until(() -> blockers.stream().allMatch(b -> api.state(token, b).equals("succeeded")));
        assertThat(api.state(token, waiting)).isEqualTo("cancelled");
        assertThat(states(waiting)).containsExactly("queued", "cancelled");
    }

    @Test
    void countsPerStateCoverTheCallersJobsOnly() {
        String other = api.newMember("counted-" + UUID.randomUUID());
        String mine = api.submit(other, "test-noop", api.textFile(other, "x"), "{}");
        String failing = api.submit(other, "test-fail", api.textFile(other, "y"), "{\"retryable\":false}");
        await().atMost(WAIT)
                .until(() -> api.state(other, mine).equals("succeeded")
                        && api.state(other, failing).equals("failed"));

        JsonNode counts = api.get("/api/v1/jobs/counts", other).json();

        assertThat(counts.get("counts").get("succeeded").asLong()).isEqualTo(1);
        assertThat(counts.get("counts").get("failed").asLong()).isEqualTo(1);
        assertThat(counts.get("counts").get("queued").asLong()).isZero();
        assertThat(counts.get("total").asLong()).isEqualTo(2);
        assertThat(api.get("/api/v1/jobs/counts?type=test-noop", other)
                        .json()
                        .get("total")
                        .asLong())
                .isEqualTo(1);
        assertThat(api.get("/api/v1/jobs/counts?type=Bad!", other).code()).isEqualTo("invalid_field");
    }

    @Test
    void aQueuedJobSaysWhereItStandsInTheQueue() {
        String gate = UUID.randomUUID().toString();
        List<String> blockers = IntStream.range(0, 4)
                .mapToObj(i -> api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}"))
                .toList();
        await().atMost(WAIT)
                .until(() -> blockers.stream().allMatch(b -> api.state(token, b).equals("running")));
        String first = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        String second = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        String urgent = api.post(
                        "/api/v1/jobs",
                        Api.ADMIN_TOKEN,
                        "{\"type\":\"test-gate\",\"input\":{\"fileId\":\"" + api.textFile(Api.ADMIN_TOKEN, "urgent")
                                + "\"},\"params\":{\"gate\":\"" + gate + "\"},\"priority\":5}")
                .json()
                .get("id")
                .asString();

        assertThat(api.job(Api.ADMIN_TOKEN, urgent).get("queuePosition").asLong())
                .isEqualTo(1);
        assertThat(api.job(token, first).get("queuePosition").asLong()).isEqualTo(2);
        assertThat(api.job(token, second).get("queuePosition").asLong()).isEqualTo(3);
        assertThat(api.job(token, blockers.getFirst()).has("queuePosition"))
                .as("only queued jobs have one")
                .isFalse();
        Gates.open(gate);
        await().atMost(WAIT).until(() -> api.state(token, second).equals("succeeded"));
    }

    @Test
    void finishedJobsCannotBeCancelledAndOnlyFailedOrCancelledOnesRetried() {
        String id = api.submit(token, "test-noop", fileId, "{}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));

        expectProblem(api.postEmpty("/api/v1/jobs/" + id + "/cancel", token), 409, "job_finished", null);
        expectProblem(api.postEmpty("/api/v1/jobs/" + id + "/retry", token), 409, "job_not_retryable", null);
        expectProblem(api.get("/api/v1/jobs/" + id + "/result", token), 404, "result_not_found", null);
    }

    @Test
    void retryPutsAFailedJobBackInTheQueue() {
        String id =
                api.submit(token, "test-fail", fileId, "{\"retryable\":false,\"failures\":1,\"code\":\"bad_audio\"}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("failed"));
        JsonNode failed = api.job(token, id);
        assertThat(failed.get("error").get("code").asString()).isEqualTo("bad_audio");
        assertThat(failed.get("error").get("retryable").asBoolean()).isFalse();
        assertThat(failed.get("attempt").asInt()).isEqualTo(1);

        Api.Response retried = api.postEmpty("/api/v1/jobs/" + id + "/retry", token);

        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.json().get("state").asString()).isEqualTo("queued");
        assertThat(retried.json().has("error")).isFalse();
        await().atMost(WAIT).until(() -> api.state(token, id).equals("failed"));
        assertThat(states(id)).containsExactly("queued", "running", "failed", "queued", "running", "failed");
    }

    @Test
    void retryableFailuresAreRetriedAfterABackoff() {
        String id = api.submit(token, "test-fail", fileId, "{\"failures\":1}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("succeeded"));

        assertThat(api.job(token, id).get("attempt").asInt()).isEqualTo(2);
        List<JsonNode> events = events(id);
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("error"))
                .singleElement()
                .satisfies(e ->
                        assertThat(e.get("data").get("retryable").asBoolean()).isTrue());
        assertThat(events)
                .filteredOn(e -> e.get("data").path("state").asString("").equals("retry_scheduled"))
                .singleElement()
                .satisfies(
                        e -> assertThat(e.get("data").get("retryAt").asString()).isNotBlank());
    }

    @Test
    void failuresAreClassifiedPermanentOrRetryable() {
        String badInput = api.submit(token, "test-fail", fileId, "{\"kind\":\"bad-input\"}");
        String io = api.submit(token, "test-fail", fileId, "{\"kind\":\"io\"}");
        String bug = api.submit(token, "test-fail", fileId, "{\"kind\":\"bug\"}");
        await().atMost(WAIT)
                .until(() -> List.of(badInput, io, bug).stream()
                        .allMatch(j -> api.state(token, j).equals("failed")));

        assertThat(api.job(token, badInput).get("error").get("code").asString()).isEqualTo("invalid_input");
        assertThat(api.job(token, badInput).get("attempt").asInt()).isEqualTo(1);
        assertThat(api.job(token, io).get("error").get("code").asString()).isEqualTo("io_error");
        assertThat(api.job(token, io).get("attempt").asInt()).isEqualTo(3);
        assertThat(api.job(token, bug).get("error").get("code").asString()).isEqualTo("processor_error");
        assertThat(api.job(token, bug).get("error").get("message").asString())
                .as("exception text stays in the log")
                .doesNotContain("kaboom");
    }

    @Test
    void failureTextFromProcessorsIsStoredSafelyOnEveryDatabase() {
        // PostgreSQL refuses NUL in text; a processor's error must still be recorded, not lost.
        String id = api.submit(token, "test-fail", fileId, "{\"code\":\"bad\\u0000code\",\"retryable\":false}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("failed"));

        assertThat(api.job(token, id).get("error").get("code").asString()).isEqualTo("badcode");
    }

    @Test
    void aJobOverItsProcessorTimeLimitFails() {
        String id = api.submit(token, "test-timeout", fileId, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, id).equals("failed"));

        JsonNode error = api.job(token, id).get("error");
        assertThat(error.get("code").asString()).isEqualTo("timeout");
        assertThat(error.get("retryable").asBoolean()).isFalse();
    }

    @Test
    void aRepeatedIdempotencyKeyReturnsTheOriginalJob() {
        String body = "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":{}}";
        String reordered = "{ \"params\": {}, \"input\": {\"fileId\": \"" + fileId + "\"}, \"type\": \"test-noop\" }";
        Map<String, String> key = Map.of("Idempotency-Key", "order-" + UUID.randomUUID());

        Api.Response first = api.post("/api/v1/jobs", token, body, key);
        Api.Response again = api.post("/api/v1/jobs", token, reordered, key);
        Api.Response different = api.post("/api/v1/jobs", token, body.replace("test-noop", "test-echo"), key);

        assertThat(first.status()).isEqualTo(202);
        assertThat(first.header("Idempotent-Replayed")).isEmpty();
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(again.json().get("id").asString())
                .isEqualTo(first.json().get("id").asString());
        expectProblem(different, 422, "idempotency_key_reused", "Idempotency-Key");
        assertThat(api.get("/api/v1/jobs", token).json().get("items")).hasSize(1);
    }

    @Test
    void listingPagesNewestFirstAndFilters() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(api.submit(token, "test-noop", fileId, "{}"));
        }
        await().atMost(WAIT)
                .until(() -> ids.stream().allMatch(j -> api.state(token, j).equals("succeeded")));

        List<String> seen = new ArrayList<>();
        String path = "/api/v1/jobs?limit=2";
        int pages = 0;
        while (path != null) {
            JsonNode page = api.get(path, token).json();
            page.get("items").forEach(j -> seen.add(j.get("id").asString()));
            path = page.hasNonNull("nextCursor")
                    ? "/api/v1/jobs?limit=2&cursor=" + page.get("nextCursor").asString()
                    : null;
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids).doesNotHaveDuplicates();
        assertThat(api.get("/api/v1/jobs?state=succeeded&type=test-noop", token)
                        .json()
                        .get("items"))
                .hasSize(5);
        assertThat(api.get("/api/v1/jobs?state=failed", token).json().get("items"))
                .isEmpty();
        expectProblem(api.get("/api/v1/jobs?limit=0", token), 400, "invalid_field", "limit");
        expectProblem(api.get("/api/v1/jobs?limit=ten", token), 400, "invalid_field", "limit");
        expectProblem(api.get("/api/v1/jobs?cursor=bogus", token), 400, "invalid_field", "cursor");
        expectProblem(api.get("/api/v1/jobs?state=done", token), 400, "invalid_field", "state");
        expectProblem(api.get("/api/v1/jobs?type=%00", token), 400, "invalid_field", "type");
        expectProblem(
                api.get("/api/v1/jobs/" + ids.getFirst() + "/events?after=-1", token), 400, "invalid_field", "after");
    }

    @Test
    void processorsDescribeTheirParamsAndLimits() {
        JsonNode processors = api.get("/api/v1/processors", token).json().get("items");

        JsonNode echo = null;
        for (JsonNode p : processors) {
            if (p.get("name").asString().equals("test-echo")) {
                echo = p;
            }
        }
        assertThat(echo).isNotNull();
        assertThat(echo.get("accepts").get(0).asString()).isEqualTo("*/*");
        assertThat(echo.get("params")
                        .get("properties")
                        .get("partials")
                        .get("type")
                        .asString())
                .isEqualTo("integer");
        assertThat(echo.get("params")
                        .get("properties")
                        .get("partials")
                        .get("maximum")
                        .asInt())
                .isEqualTo(1000);
        assertThat(echo.get("limits").get("maxAttempts").asInt()).isEqualTo(3);
    }

    private Api.Response post(String body) {
        return api.post("/api/v1/jobs", token, body);
    }

    private List<JsonNode> events(String id) {
        List<JsonNode> events = new ArrayList<>();
        api.get("/api/v1/jobs/" + id + "/events?after=0&limit=1000", token)
                .json()
                .get("items")
                .forEach(events::add);
        return events;
    }

    private List<String> states(String id) {
        return events(id).stream()
                .filter(e -> e.get("kind").asString().equals("state"))
                .map(e -> e.get("data").get("state").asString())
                .toList();
    }

    static void expectProblem(Api.Response response, int status, String code, String field) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("Content-Type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(response.code()).as(response.toString()).isEqualTo(code);
        assertThat(response.json().get("detail").asString()).isNotBlank();
        if (field != null) {
            assertThat(response.json().get("field").asString())
                    .as(response.toString())
                    .isEqualTo(field);
        }
    }
}
