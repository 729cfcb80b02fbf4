package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.Api.Response;
import dev.kiln.testing.ApiTestBase;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The worker protocol over real HTTP (docs/workers.md), on each database. */
abstract class WorkerProtocolContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private String worker;
    private String member;
    private String processor;

    @BeforeEach
    void worker() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Response created = api.post(
                "/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"gpu-" + suffix + "\",\"role\":\"worker\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("user").get("role").asString()).isEqualTo("worker");
        worker = created.json().get("token").asString();
        member = api.newMember("owner-" + suffix);
        processor = "optimize-" + suffix;
        declare(processor, """
                {"description": "Picks a lineup", "accepts": ["none"],
                 "params": {"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}},
                            "required": ["size"], "additionalProperties": false},
                 "limits": {"maxAttempts": 2, "timeoutSeconds": 60, "concurrency": 2}}""");
    }

    @Test
    void aFilelessJobRunsOnAWorkerAndIsSeenLikeAnyOther() {
        JsonNode listed = api.processor(processor);
        assertThat(listed.get("accepts")).extracting(JsonNode::asString).containsExactly("none");
        assertThat(listed.get("details").get("servedBy").asString()).isEqualTo("workers");
        assertThat(listed.get("limits").get("maxAttempts").asInt()).isEqualTo(2);

        String job = submit("{\"size\": 3}");
        JsonNode claim = claimOne(0);
        assertThat(claim.get("id").asString()).isEqualTo(job);
        assertThat(claim.get("params").get("size").asInt()).isEqualTo(3);
        assertThat(claim.get("attempt").asInt()).isEqualTo(1);
        assertThat(claim.get("input").isNull()).isTrue();
        String lease = claim.get("lease").asString();

        assertThat(call(
                                job,
                                "progress",
                                "{\"lease\":\"" + lease
                                        + "\",\"progress\":0.5,\"stage\":\"searching\",\"etaSeconds\":3}")
                        .status())
                .isEqualTo(204);
        assertThat(call(job, "partials", "{\"lease\":\"" + lease + "\",\"items\":[{\"best\":1},{\"best\":2}]}")
                        .status())
                .isEqualTo(204);
        Response done = call(job, "complete", "{\"lease\":\"" + lease + "\",\"result\":{\"lineup\":[1,2,3]}}");
        assertThat(done.status()).isEqualTo(200);
        assertThat(done.json().get("state").asString()).isEqualTo("succeeded");

        List<JsonNode> events = api.events(member, job);
        assertThat(events)
                .extracting(e -> e.get("kind").asString())
                .containsSubsequence("state", "state", "progress", "partial", "partial", "state");
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("partial"))
                .extracting(e -> e.get("data").get("best").asInt())
                .containsExactly(1, 2);
        assertThat(api.get("/api/v1/jobs/" + job + "/result", member).json().get("lineup"))
                .hasSize(3);
        assertThat(api.job(member, job).has("input")).isFalse();
    }

    @Test
    void aWaitingClaimWakesWhenAJobIsSubmitted() throws Exception {
        CompletableFuture<JsonNode> claimed = CompletableFuture.supplyAsync(() -> claim(1, 20));
        await().atMost(WAIT)
                .until(() ->
                        api.processor(processor).get("details").get("workers").asInt() >= 1);
        long submitted = System.nanoTime();
        String job = submit("{\"size\": 1}");
        JsonNode jobs = claimed.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - submitted)).isLessThan(Duration.ofSeconds(2));
        assertThat(jobs.get(0).get("id").asString()).isEqualTo(job);
    }

    @Test
    void aWaitingHeartbeatLearnsOfACancelAtOnce() throws Exception {
        String job = submit("{\"size\": 1}");
        String lease = claimOne(0).get("lease").asString();
        CompletableFuture<Response> beat = CompletableFuture.supplyAsync(
                () -> call(job, "heartbeat", "{\"lease\":\"" + lease + "\",\"waitSeconds\":20}"));
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> !beat.isDone());
        long asked = System.nanoTime();
        assertThat(api.post("/api/v1/jobs/" + job + "/cancel", member, "").status())
                .isEqualTo(202);
        Response answer = beat.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        assertThat(answer.json().get("cancelRequested").asBoolean()).isTrue();
    }

    @Test
    void aHeartbeatWaitingLongerThanTheLeaseKeepsIt() {
        String job = submit("{\"size\": 1}"); // the lease is 4 s in tests: a 6 s wait would outlive it
        Response beat = call(
                job, "heartbeat", "{\"lease\":\"" + claimOne(0).get("lease").asString() + "\",\"waitSeconds\":6}");
        assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
        assertThat(api.state(member, job)).isEqualTo("running");
    }

    @Test
    void aCancelIsEnforcedWhenTheWorkerNeverAnswers() {
        String job = submit("{\"size\": 1}");
        String lease = claimOne(0).get("lease").asString();
        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", member).status())
                .isEqualTo(202);
        // kiln.jobs.cancel-timeout is 2 s in tests; the worker heartbeats (its lease stays) but never stops.
        await().atMost(WAIT).until(() -> {
            call(job, "heartbeat", "{\"lease\":\"" + lease + "\"}");
            return api.state(member, job).equals("cancelled");
        });
        assertThat(call(job, "complete", "{\"lease\":\"" + lease + "\"}").code())
                .isEqualTo("lease_lost");
    }

    @Test
    void aStaleLeaseChangesNothing() {
        String job = submit("{\"size\": 1}");
        String lease = claimOne(0).get("lease").asString();
        Response wrong = call(job, "complete", "{\"lease\":\"not-the-lease\",\"result\":{}}");
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.code()).isEqualTo("lease_lost");

        // Let the lease lapse: the job is rescued, and the late complete of attempt 1 lands nowhere.
        await().atMost(WAIT).until(() -> !api.state(member, job).equals("running"));
        Response late = call(job, "complete", "{\"lease\":\"" + lease + "\",\"result\":{\"late\":true}}");
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.code()).isEqualTo("lease_lost");
        JsonNode second = claimOne(5);
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        assertThat(call(job, "complete", "{\"lease\":\"" + second.get("lease").asString() + "\"}")
                        .status())
                .isEqualTo(200);
        assertThat(api.state(member, job)).isEqualTo("succeeded");
        assertThat(api.events(member, job).stream()
                        .map(e -> e.get("seq").asLong())
                        .toList())
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void anAttemptOverItsTimeLimitFailsAsATimeoutAndItsWorkerLosesTheLease() {
        String name = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        declare(name, "{\"accepts\": [\"none\"], \"limits\": {\"timeoutSeconds\": 1, \"maxAttempts\": 1}}");
        Response submitted = api.post("/api/v1/jobs", member, "{\"type\":\"" + name + "\"}");
        String job = submitted.json().get("id").asString();
        String lease = claim(name, 1, 0).get(0).get("lease").asString();
        await().atMost(WAIT).until(() -> api.state(member, job).equals("failed"));
        assertThat(api.job(member, job).get("error").get("code").asString()).isEqualTo("timeout");
        assertThat(call(job, "heartbeat", "{\"lease\":\"" + lease + "\"}").code())
                .isEqualTo("lease_lost");
    }

    @Test
    void failuresGoThroughTheRetryDecision() {
        String job = submit("{\"size\": 1}");
        String lease = claimOne(0).get("lease").asString();
        Response retried =
                call(job, "fail", "{\"lease\":\"" + lease + "\",\"code\":\"gpu_oom\",\"message\":\"out of memory\"}");
        assertThat(retried.json().get("state").asString()).isEqualTo("retry_scheduled");
        String again = claimOne(5).get("lease").asString();
        Response failed = call(
                job,
                "fail",
                "{\"lease\":\"" + again + "\",\"code\":\"gpu_oom\",\"message\":\"still\",\"retryable\":true}");
        assertThat(failed.json().get("state").asString()).isEqualTo("failed"); // maxAttempts 2
        assertThat(failed.json().get("error").get("code").asString()).isEqualTo("gpu_oom");
    }

    @Test
    void aWorkerReadsTheInputOfTheJobItHoldsWithRanges() {
        String name = "reverse-" + UUID.randomUUID().toString().substring(0, 8);
        declare(name, "{\"accepts\": [\"text/*\"]}");
        String file = api.textFile(member, "hello worker");
        String job = api.submit(member, name, file, "{}");
        JsonNode claim = claim(name, 1, 0).get(0);
        JsonNode input = claim.get("input");
        assertThat(input.get("size").asLong()).isEqualTo(12);
        assertThat(input.get("mediaType").asString()).startsWith("text/plain");
        HttpRequest ranged = api.request(input.get("url").asString(), worker)
                .header("Range", "bytes=6-")
                .GET()
                .build();
        Response part = api.send(ranged);
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.body()).isEqualTo("worker");
        // The owner's file is not the worker's otherwise, and a member cannot use the worker's door.
        assertThat(api.get("/api/v1/files/" + file + "/content", worker).status())
                .isEqualTo(404);
        assertThat(api.get("/api/v1/worker/jobs/" + job + "/input", member).status())
                .isEqualTo(403);
        call(job, "complete", "{\"lease\":\"" + claim.get("lease").asString() + "\"}");
        assertThat(api.get(input.get("url").asString(), worker).status()).isEqualTo(404);
    }

    @Test
    void aTranscriptFromAWorkerHasSpeakersItsOwnerCanName() {
        String name = "diarize-" + UUID.randomUUID().toString().substring(0, 8);
        declare(name, "{\"accepts\": [\"*/*\"], \"shape\": \"transcript\"}");
        assertThat(api.processor(name).get("shape").asString()).isEqualTo("transcript");
        assertThat(api.processor(name).get("resultFormats"))
                .extracting(JsonNode::asString)
                .containsExactly("json", "txt", "srt", "vtt");
        String job = api.submit(member, name, api.textFile(member, "pretend audio"), "{}");
        String lease = claim(name, 1, 0).get(0).get("lease").asString();
        String first = "{\"start\":0.0,\"end\":1.5,\"text\":\"Hello there.\",\"speaker\":\"SPEAKER_00\"}";
        String second = "{\"start\":1.6,\"end\":3.0,\"text\":\"Hi, Ana.\",\"speaker\":\"SPEAKER_01\"}";
        assertThat(call(job, "partials", "{\"lease\":\"" + lease + "\",\"items\":[" + first + "]}")
                        .status())
                .isEqualTo(204);
        assertThat(call(
                                job,
                                "complete",
                                "{\"lease\":\"" + lease + "\",\"result\":{\"language\":\"en\",\"segments\":[" + first
                                        + "," + second + "]}}")
                        .status())
                .isEqualTo(200);
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=txt", member).body())
                .isEqualTo("[SPEAKER_00] Hello there.\n[SPEAKER_01] Hi, Ana.\n");

        Response renamed = api.send(api.request("/api/v1/jobs/" + job + "/speakers", member)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"names\":{\"SPEAKER_00\":\" Ana \"}}"))
                .build());
        assertThat(renamed.status()).as(renamed.toString()).isEqualTo(200);
        assertThat(renamed.json().get("names").get("SPEAKER_00").asString()).isEqualTo("Ana");

        JsonNode result = api.get("/api/v1/jobs/" + job + "/result", member).json();
        assertThat(result.get("speakerNames").get("SPEAKER_00").asString()).isEqualTo("Ana");
        assertThat(result.get("segments").get(0).get("speaker").asString())
                .as("the engine's id is kept")
                .isEqualTo("SPEAKER_00");
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=vtt", member).body())
                .contains("<v Ana>Hello there.")
                .contains("<v SPEAKER_01>Hi, Ana.");
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=srt", member).body())
                .contains("Ana: Hello there.");
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=txt", member).body())
                .startsWith("[Ana] Hello there.");

        assertThat(rename(job, member, "{\"names\":{\"SPEAKER_09\":\"Bo\"}}").code())
                .isEqualTo("invalid_field");
        assertThat(rename(job, member, "{\"names\":{\"SPEAKER_01\":\"" + "x".repeat(101) + "\"}}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(rename(job, api.newMember("stranger-" + UUID.randomUUID()), "{\"names\":{\"SPEAKER_01\":\"Bo\"}}")
                        .code())
                .isEqualTo("job_not_found");
        assertThat(rename(job, member, "{\"names\":{\"SPEAKER_00\":null}}")
                        .json()
                        .get("names")
                        .size())
                .isZero();
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=txt", member).body())
                .startsWith("[SPEAKER_00] Hello there.");
    }

    private Response rename(String job, String token, String body) {
        return api.send(api.request("/api/v1/jobs/" + job + "/speakers", token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    @Test
    void aWorkerTokenOpensOnlyTheWorkerEndpoints() {
        assertThat(api.get("/api/v1/jobs", worker).code()).isEqualTo("forbidden");
        assertThat(api.post("/api/v1/jobs", worker, "{\"type\":\"" + processor + "\",\"params\":{\"size\":1}}")
                        .status())
                .isEqualTo(403);
        assertThat(api.get("/api/v1/admin/users", worker).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/worker/claim", member, "{\"worker\":\"x\",\"processors\":[\"" + processor + "\"]}")
                        .status())
                .isEqualTo(403);
    }

    /** A bad limit is named by its place in the body, as errors.md says of {@code field}: not just its key. */
    @Test
    void aBadLimitIsNamedByItsPathInTheBody() {
        Response concurrency = put("y-5", "{\"accepts\":[\"none\"],\"limits\":{\"concurrency\":0}}");
        assertThat(concurrency.code()).isEqualTo("invalid_field");
        assertThat(concurrency.json().get("field").asString()).isEqualTo("limits.concurrency");
        Response unknown = put("y-5", "{\"accepts\":[\"none\"],\"limits\":{\"retries\":2}}");
        assertThat(unknown.code()).isEqualTo("invalid_field");
        assertThat(unknown.json().get("field").asString()).isEqualTo("limits.retries");
    }

    @Test
    void badDeclarationsAndSubmissionsAreRefusedByName() {
        assertThat(put("test-noop", "{\"accepts\":[\"none\"]}").code()).isEqualTo("processor_name_taken");
        assertThat(put(
                                "x-" + UUID.randomUUID().toString().substring(0, 6),
                                "{\"accepts\":[\"none\"],\"params\":{\"type\":12}}")
                        .code())
                .isEqualTo("invalid_schema");
        assertThat(put("y-1", "{\"accepts\":[\"none\"],\"params\":{\"$ref\":\"http://127.0.0.1:1/x.json\"}}")
                        .code())
                .isEqualTo("invalid_schema");
        assertThat(put("y-2", "{\"accepts\":[\"none\", \"text/plain\"]}").code())
                .isEqualTo("invalid_field");
        assertThat(put("Bad_Name", "{\"accepts\":[\"none\"]}").code()).isEqualTo("invalid_field");
        assertThat(put("y-3", "[1]").code()).isEqualTo("invalid_field");
        assertThat(put("y-4", "{\"accepts\":[\"none\"],\"shape\":\"poem\"}").code())
                .isEqualTo("invalid_field");

        Response badParams =
                api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\",\"params\":{\"size\":0}}");
        assertThat(badParams.code()).isEqualTo("invalid_params");
        assertThat(badParams.json().get("errors").get(0).get("field").asString())
                .isEqualTo("params.size");
        String file = api.textFile(member, "x");
        assertThat(api.post(
                                "/api/v1/jobs",
                                member,
                                "{\"type\":\"" + processor + "\",\"input\":{\"fileId\":\"" + file
                                        + "\"},\"params\":{\"size\":1}}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(api.post("/api/v1/jobs", member, "{\"type\":\"test-noop\",\"params\":{}}")
                        .code())
                .isEqualTo("invalid_field");

        assertThat(api.post("/api/v1/worker/claim", worker, "{\"worker\":\"w\",\"processors\":[\"nope\"]}")
                        .code())
                .isEqualTo("unknown_processor");
        // Were 500 on PostgreSQL, which refuses NUL in text: the names went to the database as given.
        assertThat(api.post("/api/v1/worker/claim", worker, "{\"worker\":\"w\",\"processors\":[\"n\\u0000pe\"]}")
                        .code())
                .isEqualTo("unknown_processor");
        Api.Response nulWorker = api.post(
                "/api/v1/worker/claim", worker, "{\"worker\":\"w\\u0000\",\"processors\":[\"" + processor + "\"]}");
        assertThat(nulWorker.status()).as(nulWorker.toString()).isEqualTo(400);
        assertThat(nulWorker.json().get("field").asString()).isEqualTo("worker");
        Api.Response halfCharacter = api.post(
                "/api/v1/worker/claim", worker, "{\"worker\":\"w\\ud800\",\"processors\":[\"" + processor + "\"]}");
        assertThat(halfCharacter.status()).as(halfCharacter.toString()).isEqualTo(400);
        assertThat(api.post(
                                "/api/v1/worker/claim",
                                worker,
                                "{\"worker\":\"w\",\"processors\":[\"" + processor + "\"],\"max\":0}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(call("job_unknown", "complete", "{\"lease\":\"x\"}").code()).isEqualTo("job_not_found");
        assertThat(call("job_unknown", "complete", "{not json").code()).isEqualTo("malformed_json");

        String job = submit("{\"size\": 1}");
        String lease = claimOne(0).get("lease").asString();
        Response big =
                call(job, "partials", "{\"lease\":\"" + lease + "\",\"items\":[\"" + "x".repeat(70_000) + "\"]}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(call(job, "progress", "{\"lease\":\"" + lease + "\",\"progress\":2}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(call(job, "fail", "{\"lease\":\"" + lease + "\",\"code\":\"Bad Code\",\"message\":\"m\"}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(api.state(member, job)).isEqualTo("running");
        JsonNode events =
                api.get("/api/v1/jobs/" + job + "/events", member).json().get("items");
        assertThat(events).extracting(e -> e.get("kind").asString()).containsOnly("state");
    }

    private void declare(String name, String declaration) {
        Response declared = put(name, declaration);
        assertThat(declared.status()).as(declared.toString()).isEqualTo(200);
    }

    private Response put(String name, String declaration) {
        return api.send(api.request("/api/v1/worker/processors/" + name, worker)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(declaration))
                .build());
    }

    private String submit(String params) {
        Response submitted =
                api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\",\"params\":" + params + "}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        return submitted.json().get("id").asString();
    }

    private JsonNode claimOne(int waitSeconds) {
        JsonNode jobs = claim(1, waitSeconds);
        assertThat(jobs).hasSize(1);
        return jobs.get(0);
    }

    private JsonNode claim(int max, int waitSeconds) {
        return claim(processor, max, waitSeconds);
    }

    private JsonNode claim(String name, int max, int waitSeconds) {
        Response claimed = api.post(
                "/api/v1/worker/claim",
                worker,
                "{\"worker\":\"test/1\",\"processors\":[\"" + name + "\"],\"max\":" + max + ",\"waitSeconds\":"
                        + waitSeconds + "}");
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        return claimed.json().get("jobs");
    }

    private Response call(String job, String what, String body) {
        return api.post("/api/v1/worker/jobs/" + job + "/" + what, worker, body);
    }
}
