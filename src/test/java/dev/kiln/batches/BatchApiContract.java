package dev.kiln.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Zips;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Batches over HTTP on each database: made whole or not at all (a bad item named, an idempotent
 * replay), aggregated progress while its jobs run, cancel-all, retry-failed, the zip of results,
 * and another user's batch answering like a missing one.
 */
abstract class BatchApiContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    Database db;

    String token;
    final List<String> batches = new ArrayList<>();

    @BeforeEach
    void member() {
        token = api.newMember("batch-" + UUID.randomUUID());
    }

    @AfterEach
    void stopBatches() {
        batches.forEach(id -> api.postEmpty("/api/v1/batches/" + id + "/cancel", Api.ADMIN_TOKEN));
    }

    private String file(String owner, String name) {
        return api.file(owner, ("text " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8), name);
    }

    private static String body(String type, String params, List<String> files) {
        return "{\"name\":\"my batch\",\"type\":\"" + type + "\",\"params\":" + params + ",\"files\":[\""
                + String.join("\",\"", files) + "\"]}";
    }

    private JsonNode create(String type, String params, List<String> files) {
        Api.Response made = api.post("/api/v1/batches", token, body(type, params, files));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String id = made.json().get("id").asString();
        assertThat(made.header("Location")).contains("/api/v1/batches/" + id);
        batches.add(id);
        return made.json();
    }

    private JsonNode batch(String id) {
        Api.Response got = api.get("/api/v1/batches/" + id, token);
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        return got.json();
    }

    private JsonNode awaitFinished(String id) {
        await().atMost(WAIT).until(() -> batch(id).get("finished").asBoolean());
        return batch(id);
    }

    private long jobCount(String owner) {
        return api.get("/api/v1/jobs/counts", owner).json().get("total").asLong();
    }

    @Test
    void aBatchRunsEachFileAsAJobAndZipsTheResultsNamedAfterTheFiles() throws IOException {
        List<String> files = List.of(file(token, "talk.txt"), file(token, "talk.txt"), file(token, "notes.md"));

        JsonNode made = create("test-transcript", "{\"segments\":2}", files);

        assertThat(made.get("name").asString()).isEqualTo("my batch");
        assertThat(made.get("type").asString()).isEqualTo("test-transcript");
        assertThat(made.get("jobCount").asLong()).isEqualTo(3);
        JsonNode done = awaitFinished(made.get("id").asString());
        assertThat(done.get("counts").get("succeeded").asLong()).isEqualTo(3);
        assertThat(done.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(done.has("eta")).as("nothing is left to wait for").isFalse();
        List<String> names = new ArrayList<>();
        done.get("jobs").forEach(j -> names.add(j.get("fileName").asString()));
        assertThat(names).containsExactly("talk.txt", "talk.txt", "notes.md");
        String job = done.get("jobs").get(0).get("id").asString();
        assertThat(api.job(token, job).get("state").asString())
                .as("each job is a normal job")
                .isEqualTo("succeeded");

        Map<String, String> zip = unzip("/api/v1/batches/" + made.get("id").asString() + "/download?format=srt");

        assertThat(zip.keySet()).containsExactly("talk.srt", "talk (2).srt", "notes.srt", "manifest.json");
        assertThat(zip.get("talk.srt")).startsWith("1\n00:00:00,000 --> ").contains("Line 0 of the transcript.");
        JsonNode manifest = JSON.readTree(zip.get("manifest.json"));
        assertThat(manifest.get("format").asString()).isEqualTo("srt");
        assertThat(manifest.get("jobs").get(1).get("entry").asString()).isEqualTo("talk (2).srt");

        Api.Response unknown = api.get("/api/v1/batches/" + made.get("id").asString() + "/download?format=pdf", token);
        assertThat(unknown.status()).as(unknown.toString()).isEqualTo(400);
        assertThat(unknown.code()).isEqualTo("unknown_format");
    }

    @Test
    void aBadItemIsNamedAndNothingIsStored() {
        String mine = file(token, "a.txt");
        String theirs = file(api.newMember("other-" + UUID.randomUUID()), "b.txt");

        Api.Response refused = api.post("/api/v1/batches", token, body("test-echo", "{}", List.of(mine, theirs)));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.code()).isEqualTo("invalid_batch_item");
        assertThat(refused.json().get("field").asString()).isEqualTo("files[1]");
        assertThat(refused.json().get("fileId").asString()).isEqualTo(theirs);
        assertThat(refused.json().get("reason").asString()).isEqualTo("file_not_found");
        assertThat(jobCount(token)).as("no job was made").isZero();
        assertThat(api.get("/api/v1/batches", token).json().get("items")).isEmpty();

        Api.Response wrongType = api.post("/api/v1/batches", token, body("test-wav", "{}", List.of(mine)));
        assertThat(wrongType.status()).as(wrongType.toString()).isEqualTo(422);
        assertThat(wrongType.json().get("reason").asString()).isEqualTo("unsupported_media_type");

        Api.Response badParams =
                api.post("/api/v1/batches", token, body("test-echo", "{\"partials\":\"x\"}", List.of(mine)));
        assertThat(badParams.status())
                .as("what is wrong for every item is told once")
                .isEqualTo(400);
        assertThat(badParams.code()).isEqualTo("invalid_params");
        assertThat(api.post("/api/v1/batches", token, "{\"type\":\"test-echo\",\"files\":[]}")
                        .json()
                        .get("field")
                        .asString())
                .isEqualTo("files");
        assertThat(jobCount(token)).isZero();
    }

    @Test
    void theSameIdempotencyKeyAnswersTheSameBatchAndMakesNothingMore() {
        String body = body("test-echo", "{}", List.of(file(token, "a.txt"), file(token, "b.txt")));
        Map<String, String> key = Map.of("Idempotency-Key", "batch-" + UUID.randomUUID());

        Api.Response first = api.post("/api/v1/batches", token, body, key);
        Api.Response again = api.post("/api/v1/batches", token, body, key);

        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(again.status()).as(again.toString()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).contains("true");
        assertThat(again.json().get("id").asString())
                .isEqualTo(first.json().get("id").asString());
        assertThat(jobCount(token)).isEqualTo(2);
        Api.Response other =
                api.post("/api/v1/batches", token, body("test-echo", "{}", List.of(file(token, "c.txt"))), key);
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.code()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void aKeyIsForgottenAfterTheRetentionAndThenMakesANewBatch() {
        String body = body("test-echo", "{}", List.of(file(token, "a.txt")));
        Map<String, String> key = Map.of("Idempotency-Key", "batch-" + UUID.randomUUID());
        Api.Response first = api.post("/api/v1/batches", token, body, key);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        String old = first.json().get("id").asString();
        // As if stored 49 hours ago (kiln.jobs.idempotency-retention is 48h).
        db.write(() -> db.sql()
                .sql("UPDATE batches SET created_at = created_at - ? WHERE id = ?")
                .params(Duration.ofHours(49).toMillis(), old)
                .update());

        Api.Response again = api.post("/api/v1/batches", token, body, key);
        Api.Response other =
                api.post("/api/v1/batches", token, body("test-echo", "{}", List.of(file(token, "c.txt"))), key);

        assertThat(again.status()).as(again.toString()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEmpty();
        assertThat(again.json().get("id").asString()).isNotEqualTo(old);
        assertThat(other.status()).as("the key is the new batch's now").isEqualTo(422);
        assertThat(jobCount(token)).isEqualTo(2);
    }

    @Test
    void aNameWithControlCharactersIsRefusedOnEveryDatabase() {
        String files = "\"files\":[\"" + file(token, "a.txt") + "\"]";
        for (String name : List.of("a\\u0000b", "two\\nlines", "bell\\u0007")) {
            Api.Response refused = api.post(
                    "/api/v1/batches", token, "{\"name\":\"" + name + "\",\"type\":\"test-echo\"," + files + "}");
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_field");
        }
        assertThat(jobCount(token)).isZero();
    }

    @Test
    void progressIsAggregatedWhileJobsRunAndCancelAllStopsWaitingAndRunningOnes() {
        List<String> files = List.of(file(token, "a.txt"), file(token, "b.txt"));
        String id = create("test-sleep", "{\"ms\":60000,\"steps\":600}", files)
                .get("id")
                .asString();

        await().atMost(WAIT).until(() -> {
            JsonNode b = batch(id);
            return b.get("counts").get("running").asLong() == 2
                    && b.get("progress").asDouble() > 0
                    && b.has("eta");
        });
        JsonNode running = batch(id);
        assertThat(running.get("progress").asDouble()).isLessThan(0.5);
        assertThat(running.get("finished").asBoolean()).isFalse();
        assertThat(running.get("jobs").get(0).get("state").asString()).isEqualTo("running");

        Api.Response cancelled = api.postEmpty("/api/v1/batches/" + id + "/cancel", token);

        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        JsonNode stopped = awaitFinished(id);
        assertThat(stopped.get("counts").get("cancelled").asLong()).isEqualTo(2);
        assertThat(stopped.get("progress").asDouble()).isEqualTo(1.0);
    }

    @Test
    void cancelAllCancelsJobsStillWaitingAtOnce() {
        String processor = api.idleProcessor();
        String id = create(processor, "{}", List.of(file(token, "a.txt"), file(token, "b.txt")))
                .get("id")
                .asString();
        assertThat(batch(id).get("counts").get("queued").asLong()).isEqualTo(2);
        assertThat(batch(id).has("eta")).as("nothing has run: no estimate").isFalse();

        JsonNode cancelled =
                api.postEmpty("/api/v1/batches/" + id + "/cancel", token).json();

        assertThat(cancelled.get("counts").get("cancelled").asLong()).isEqualTo(2);
        assertThat(cancelled.get("finished").asBoolean()).isTrue();
    }

    @Test
    void retryRunsTheFailedJobsAgainAsTheSameJobs() {
        String id = create("test-fail", "{\"retryable\":false}", List.of(file(token, "a.txt"), file(token, "b.txt")))
                .get("id")
                .asString();
        JsonNode failed = awaitFinished(id);
        assertThat(failed.get("counts").get("failed").asLong()).isEqualTo(2);
        assertThat(failed.get("jobs").get(0).get("error").asString()).isEqualTo("planned");
        String job = failed.get("jobs").get(0).get("id").asString();
        String firstEnd = api.job(token, job).get("finishedAt").asString();

        Api.Response retried = api.postEmpty("/api/v1/batches/" + id + "/retry", token);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        await().atMost(WAIT).until(() -> {
            JsonNode again = api.job(token, job);
            return again.get("state").asString().equals("failed")
                    && !again.get("finishedAt").asString().equals(firstEnd);
        });
        assertThat(awaitFinished(id).get("counts").get("failed").asLong()).isEqualTo(2);
        assertThat(jobCount(token)).as("the same jobs ran again, no new ones").isEqualTo(2);
        Api.Response nothingToRetry = api.postEmpty("/api/v1/batches/" + id + "/cancel", token);
        assertThat(nothingToRetry.status())
                .as("cancelling a finished batch changes nothing")
                .isEqualTo(200);
    }

    @Test
    void retryLeavesFailedTheJobsThatWouldFailTheSameWay() {
        String worker = api.newWorker("batch-worker-" + UUID.randomUUID());
        String processor = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(worker, processor, "{\"accepts\":[\"*/*\"]}");
        String deleted = file(token, "c.txt");
        String id = create(
                        processor,
                        "{}",
                        List.of(file(token, "a.txt"), file(token, "b.txt"), deleted, file(token, "d.txt")))
                .get("id")
                .asString();
        JsonNode claims = api.post(
                        "/api/v1/worker/claim",
                        worker,
                        "{\"worker\":\"w\",\"processors\":[\"" + processor + "\"],\"max\":4,\"waitSeconds\":5}")
                .json()
                .get("jobs");
        assertThat(claims).hasSize(4);
        Map<String, String> jobByFile = new HashMap<>();
        for (JsonNode claim : claims) {
            String file = claim.get("input").get("name").asString();
            jobByFile.put(file, claim.get("id").asString());
            // a.txt fails for the file itself; b.txt and c.txt in a way another attempt may not; d.txt for
            // its stored content missing (a store not mounted), which an administrator can put right.
            String code = file.equals("a.txt")
                    ? "media_unreadable"
                    : file.equals("d.txt") ? "input_missing" : "processor_error";
            Api.Response fail = api.post(
                    "/api/v1/worker/jobs/" + claim.get("id").asString() + "/fail",
                    worker,
                    "{\"lease\":\"" + claim.get("lease").asString() + "\",\"code\":\"" + code
                            + "\",\"message\":\"no\",\"retryable\":false}");
            assertThat(fail.json().get("state").asString()).as(fail.toString()).isEqualTo("failed");
        }
        assertThat(api.delete("/api/v1/files/" + deleted, token).status()).isEqualTo(204);

        Api.Response retried = api.postEmpty("/api/v1/batches/" + id + "/retry", token);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.json().get("counts").get("failed").asLong()).isEqualTo(2);
        assertThat(api.job(token, jobByFile.get("b.txt")).get("state").asString())
                .isEqualTo("queued");
        assertThat(api.job(token, jobByFile.get("d.txt")).get("state").asString())
                .as("input_missing with its file still there: the content may be back")
                .isEqualTo("queued");
        assertThat(api.job(token, jobByFile.get("a.txt")).get("state").asString())
                .as("the file itself is the problem: it would fail the same way")
                .isEqualTo("failed");
        assertThat(api.job(token, jobByFile.get("c.txt")).get("state").asString())
                .as("its file was deleted: it would fail input_missing")
                .isEqualTo("failed");
    }

    @Test
    void aJobThatSucceededOnItsNextAttemptIsNotShownWithTheFailedOnesError() {
        String id = create("test-fail", "{\"failures\":1}", List.of(file(token, "a.txt")))
                .get("id")
                .asString();

        JsonNode item = awaitFinished(id).get("jobs").get(0);

        assertThat(item.get("state").asString()).isEqualTo("succeeded");
        assertThat(api.job(token, item.get("id").asString()).get("attempt").asInt())
                .isEqualTo(2);
        assertThat(item.has("error")).as(item.toString()).isFalse();
    }

    @Test
    void aJobCancelledAfterAFailedAttemptIsShownWithoutItsErrorOnThePageAndInTheZip() throws IOException {
        String worker = api.newWorker("batch-worker-" + UUID.randomUUID());
        String processor = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(worker, processor, "{\"accepts\":[\"*/*\"]}");
        String id = create(processor, "{}", List.of(file(token, "a.txt"), file(token, "b.txt")))
                .get("id")
                .asString();
        JsonNode claim = api.post(
                        "/api/v1/worker/claim",
                        worker,
                        "{\"worker\":\"w\",\"processors\":[\"" + processor + "\"],\"waitSeconds\":5}")
                .json()
                .get("jobs")
                .get(0);
        String failedOnce = claim.get("id").asString();
        Api.Response fail = api.post(
                "/api/v1/worker/jobs/" + failedOnce + "/fail",
                worker,
                "{\"lease\":\"" + claim.get("lease").asString() + "\",\"code\":\"lease_expired\","
                        + "\"message\":\"gone\",\"retryable\":true}");
        assertThat(fail.json().get("state").asString()).as(fail.toString()).isEqualTo("retry_scheduled");
        assertThat(api.postEmpty("/api/v1/batches/" + id + "/cancel", token).status())
                .isEqualTo(200);

        JsonNode page = awaitFinished(id);
        Map<String, String> zip = unzip("/api/v1/batches/" + id + "/download");

        assertThat(api.job(token, failedOnce).get("error").get("code").asString())
                .as("the job keeps its attempt's error")
                .isEqualTo("lease_expired");
        for (JsonNode rows : List.of(
                page.get("jobs"), JSON.readTree(zip.get("manifest.json")).get("jobs"))) {
            for (JsonNode row : rows) {
                assertThat(row.toString()).contains("cancelled");
                assertThat(row.has("error"))
                        .as("the page and the zip say the same: %s", row)
                        .isFalse();
            }
        }
    }

    @Test
    void anotherUsersBatchIsNotFoundAndAdminsSeeEveryone() {
        String id = create("test-echo", "{}", List.of(file(token, "a.txt")))
                .get("id")
                .asString();
        awaitFinished(id);
        String other = api.newMember("other-" + UUID.randomUUID());

        for (String path : List.of("", "/download")) {
            Api.Response hidden = api.get("/api/v1/batches/" + id + path, other);
            assertThat(hidden.status()).as(hidden.toString()).isEqualTo(404);
            assertThat(hidden.code()).isEqualTo("batch_not_found");
        }
        for (String action : List.of("/cancel", "/retry")) {
            assertThat(api.postEmpty("/api/v1/batches/" + id + action, other).status())
                    .isEqualTo(404);
        }
        assertThat(api.get("/api/v1/batches", other).json().get("items")).isEmpty();
        assertThat(api.get("/api/v1/batches/" + id, Api.ADMIN_TOKEN).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/batches/batch_nope", token).code()).isEqualTo("batch_not_found");
    }

    @Test
    void theListIsNewestFirstAndPagedWithTotals() {
        String first = create("test-echo", "{}", List.of(file(token, "a.txt")))
                .get("id")
                .asString();
        String second = create("test-echo", "{}", List.of(file(token, "b.txt"), file(token, "c.txt")))
                .get("id")
                .asString();
        awaitFinished(second);

        JsonNode page = api.get("/api/v1/batches?limit=1", token).json();

        assertThat(page.get("items").get(0).get("id").asString()).isEqualTo(second);
        assertThat(page.get("items").get(0).get("counts").get("succeeded").asLong())
                .isEqualTo(2);
        assertThat(page.get("items").get(0).get("progress").asDouble()).isEqualTo(1.0);
        JsonNode next = api.get(
                        "/api/v1/batches?limit=1&cursor="
                                + page.get("nextCursor").asString(),
                        token)
                .json();
        assertThat(next.get("items").get(0).get("id").asString()).isEqualTo(first);
        assertThat(next.get("nextCursor").isNull()).isTrue();
        assertThat(api.get("/api/v1/batches?cursor=nonsense", token).code()).isEqualTo("invalid_field");
    }

    /** The zip's entries in order, each as text. */
    private Map<String, String> unzip(String path) throws IOException {
        HttpResponse<byte[]> response =
                api.sendForBytes(api.request(path, token).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/zip");
        return Zips.texts(new ByteArrayInputStream(response.body()));
    }
}
