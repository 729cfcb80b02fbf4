package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api.Response;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.WorkerCast;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The batched worker calls over real HTTP (docs/workers.md, "Batched calls"), on each database. */
abstract class WorkerBatchContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private String worker;
    private String member;
    private String processor;

    @BeforeEach
    void worker() {
        WorkerCast cast = WorkerCast.declare(
                api, "batch", "{\"accepts\": [\"none\"], \"limits\": {\"maxAttempts\": 2, \"concurrency\": 8}}");
        worker = cast.worker();
        member = cast.member();
        processor = cast.processor();
    }

    /** A job claimed: its id and lease. */
    private record Held(String id, String lease) {
        String item() {
            return "{\"id\":\"" + id + "\",\"lease\":\"" + lease + "\"}";
        }

        String item(String rest) {
            return "{\"id\":\"" + id + "\",\"lease\":\"" + lease + "\"," + rest + "}";
        }
    }

    @Test
    void aWaitingHeartbeatRenewsEveryLeaseAndLearnsOfACancelAtOnce() throws Exception {
        List<Held> held = run(2);
        CompletableFuture<Response> beat = CompletableFuture.supplyAsync(() -> post(
                "heartbeat",
                "{\"jobs\":[" + held.get(0).item() + "," + held.get(1).item() + "],\"waitSeconds\":20}"));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !beat.isDone());
        long asked = System.nanoTime();
        assertThat(api.postEmpty("/api/v1/jobs/" + held.get(1).id() + "/cancel", member)
                        .status())
                .isEqualTo(202);
        Response answer = beat.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonNode jobs = answer.json().get("jobs");
        assertThat(jobs)
                .extracting(j -> j.get("id").asString())
                .containsExactly(held.get(0).id(), held.get(1).id());
        assertThat(jobs).allSatisfy(j -> assertThat(j.has("leaseExpiresAt")).isTrue());
        assertThat(jobs.get(0).get("cancelRequested").asBoolean()).isFalse();
        assertThat(jobs.get(1).get("cancelRequested").asBoolean()).isTrue();
        assertThat(answer.json().get("cancelRequested"))
                .extracting(JsonNode::asString)
                .containsExactly(held.get(1).id());

        // A cancel already seen does not cut the next wait short.
        long again = System.nanoTime();
        Response calm = post(
                "heartbeat",
                "{\"jobs\":[" + held.get(0).item() + "],\"cancelsSeen\":[\""
                        + held.get(1).id() + "\"],\"waitSeconds\":1}");
        assertThat(Duration.ofNanos(System.nanoTime() - again)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(calm.json().get("jobs").get(0).get("cancelRequested").asBoolean())
                .isFalse();
    }

    @Test
    void aWaitingHeartbeatHearsOfACancelOfAJobClaimedAfterItWasSent() throws Exception {
        Held first = run(1).getFirst();
        CompletableFuture<Response> beat = CompletableFuture.supplyAsync(
                () -> post("heartbeat", "{\"jobs\":[" + first.item() + "],\"waitSeconds\":20}"));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !beat.isDone());
        Held later = run(1).getFirst();
        long asked = System.nanoTime();
        api.postEmpty("/api/v1/jobs/" + later.id() + "/cancel", member);
        Response answer = beat.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        assertThat(answer.json().get("cancelRequested"))
                .extracting(JsonNode::asString)
                .containsExactly(later.id());
    }

    @Test
    void aHeartbeatWaitingLongerThanTheLeaseKeepsEveryLease() {
        // The lease is 4 s in tests (kiln-test.properties): a 6 s wait would outlive it.
        List<Held> held = run(2);
        Response answer = post(
                "heartbeat",
                "{\"jobs\":[" + held.get(0).item() + "," + held.get(1).item() + "],\"waitSeconds\":6}");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.json().get("jobs"))
                .allSatisfy(j ->
                        assertThat(j.has("leaseExpiresAt")).as(j.toString()).isTrue());
        assertThat(held).allSatisfy(h -> assertThat(api.state(member, h.id())).isEqualTo("running"));
    }

    @Test
    void aLostLeaseInAHeartbeatIsThatJobsProblemAndChangesNothing() {
        List<Held> held = run(2);
        Held stale = new Held(held.get(1).id(), "not-the-lease");
        JsonNode before = running(stale.id());
        Response answer = post(
                "heartbeat",
                "{\"jobs\":[" + held.get(0).item() + "," + stale.item() + ",{\"id\":\"job_" + "a".repeat(26)
                        + "\",\"lease\":\"x\"}]}");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonNode jobs = answer.json().get("jobs");
        assertThat(jobs.get(0).has("leaseExpiresAt")).isTrue();
        assertThat(jobs.get(1).get("problem").get("code").asString()).isEqualTo("lease_lost");
        assertThat(jobs.get(1).get("problem").get("status").asInt()).isEqualTo(409);
        assertThat(jobs.get(1).has("leaseExpiresAt")).isFalse();
        assertThat(jobs.get(2).get("problem").get("code").asString()).isEqualTo("job_not_found");
        assertThat(api.state(member, stale.id())).isEqualTo("running");
        assertThat(running(stale.id())).isEqualTo(before);
    }

    @Test
    void aBatchedCompleteEndsEachAttemptOnceAndAStaleItemChangesNothing() {
        List<Held> held = run(4);
        Held stale = new Held(held.get(3).id(), "not-the-lease");
        JsonNode staleBefore = running(stale.id());
        String items =
                held.get(0).item("\"result\":{\"n\":0}") + "," + held.get(1).item() + ","
                        + held.get(2).item("\"result\":[1,2]") + "," + stale.item("\"result\":{\"late\":true}");
        Response answer = post("complete", "{\"items\":[" + items + "]}");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonNode ends = answer.json().get("items");
        assertThat(ends)
                .extracting(e -> e.get("id").asString())
                .containsExactly(held.stream().map(Held::id).toArray(String[]::new));
        for (int i = 0; i < 3; i++) {
            assertThat(ends.get(i).get("state").asString()).isEqualTo("succeeded");
            assertThat(api.state(member, held.get(i).id())).isEqualTo("succeeded");
            List<Long> seqs = api.events(member, held.get(i).id()).stream()
                    .map(e -> e.get("seq").asLong())
                    .toList();
            assertThat(seqs)
                    .as("contiguous")
                    .isEqualTo(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
        }
        assertThat(api.get("/api/v1/jobs/" + held.get(0).id() + "/result", member)
                        .json()
                        .get("n")
                        .asInt())
                .isZero();
        assertThat(ends.get(3).get("problem").get("code").asString()).isEqualTo("lease_lost");
        assertThat(ends.get(3).has("state")).isFalse();
        assertThat(api.state(member, stale.id())).isEqualTo("running");
        assertThat(running(stale.id())).isEqualTo(staleBefore);

        // Sent again, every item is late: each is lost, and nothing changes.
        List<JsonNode> events = api.events(member, held.get(0).id());
        Response again = post("complete", "{\"items\":[" + items + "]}");
        assertThat(again.json().get("items"))
                .allSatisfy(
                        e -> assertThat(e.get("problem").get("code").asString()).isEqualTo("lease_lost"));
        assertThat(api.events(member, held.get(0).id())).isEqualTo(events);
    }

    @Test
    void aBatchedFailGoesThroughTheRetryDecisionPerJob() {
        List<Held> held = run(2);
        Response answer = post(
                "fail",
                "{\"items\":[" + held.get(0).item("\"code\":\"gpu_oom\",\"message\":\"out of memory\"") + ","
                        + held.get(1).item("\"code\":\"bad_input\",\"message\":\"no\",\"retryable\":false")
                        + "]}");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.json().get("items"))
                .extracting(e -> e.get("state").asString())
                .containsExactly("retry_scheduled", "failed");
        assertThat(api.job(member, held.get(1).id()).get("error").get("code").asString())
                .isEqualTo("bad_input");
    }

    @Test
    void malformedBatchesAreRefusedByNameAndChangeNothing() {
        Held held = run(1).getFirst();
        JsonNode before = running(held.id());
        assertRefused(post("complete", "{\"items\":[]}"), "invalid_field", "items");
        assertRefused(
                post("complete", "{\"items\":[{\"id\":\"" + held.id() + "\"}]}"), "invalid_field", "items[0].lease");
        assertRefused(
                post("complete", "{\"items\":[" + held.item() + "," + held.item() + "]}"),
                "invalid_field",
                "items[1].id");
        assertRefused(
                post("complete", "{\"items\":[" + held.item("\"extra\":1") + "]}"), "invalid_field", "items[0].extra");
        assertRefused(post("complete", "{\"items\":[5]}"), "invalid_field", "items[0]");
        assertRefused(post("complete", "{\"items\":{}}"), "invalid_field", "items");
        assertRefused(
                post("fail", "{\"items\":[" + held.item("\"code\":\"Bad Code\",\"message\":\"m\"") + "]}"),
                "invalid_field",
                "items[0].code");
        assertRefused(
                post("heartbeat", "{\"jobs\":[" + held.item() + "],\"waitSeconds\":26}"),
                "invalid_field",
                "waitSeconds");
        assertRefused(post("heartbeat", "{\"jobs\":[],\"cancelsSeen\":[5]}"), "invalid_field", "cancelsSeen");
        assertRefused(post("heartbeat", "[1]"), "invalid_field", "body");
        Response broken = post("complete", "{not json");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.code()).isEqualTo("malformed_json");
        assertThat(api.state(member, held.id())).isEqualTo("running");
        assertThat(running(held.id())).isEqualTo(before);
    }

    private static void assertRefused(Response response, String code, String field) {
        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.header("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.json().get("field").asString()).isEqualTo(field);
    }

    /** Submits {@code n} jobs and claims them. */
    private List<Held> run(int n) {
        for (int i = 0; i < n; i++) {
            Response submitted = api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\"}");
            assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        }
        Response claimed = api.post(
                "/api/v1/worker/claim",
                worker,
                "{\"worker\":\"test/1\",\"processors\":[\"" + processor + "\"],\"max\":" + n + "}");
        JsonNode jobs = claimed.json().get("jobs");
        assertThat(jobs).hasSize(n);
        return java.util.stream.StreamSupport.stream(jobs.spliterator(), false)
                .map(j -> new Held(j.get("id").asString(), j.get("lease").asString()))
                .toList();
    }

    /** The events of a job that may still run (Api.events waits for its end). */
    private JsonNode running(String job) {
        return api.get("/api/v1/jobs/" + job + "/events", member).json().get("items");
    }

    private Response post(String call, String body) {
        return api.post("/api/v1/worker/" + call, worker, body);
    }
}
