package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.StreamClient;
import dev.kiln.uploads.TusRequests;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Limits on jobs and connections, over real HTTP on each database (one subclass per database):
 * 6 submissions per minute, 3 jobs waiting and 2 running per user, 3 WebSockets per address.
 */
@TestPropertySource(
        properties = {
            "kiln.test.own-database=true",
            "kiln.limits.window=1m",
            "kiln.limits.submissions=6",
            "kiln.limits.max-queued-jobs=3",
            "kiln.limits.max-running-jobs=2",
            "kiln.stream.max-connections-per-ip=3"
        })
abstract class JobLimitsContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(20);

    String token;
    String file;

    @BeforeEach
    void member() {
        token = api.newMember("limits-" + UUID.randomUUID());
        file = api.textFile(token, "limits");
    }

    @Test
    void submissionsPastThePerMinuteLimitAreRefusedAndMakeNothing() {
        for (int i = 0; i < 6; i++) {
            submitAndFinish();
        }
        String body = noop();

        Api.Response refused = api.post("/api/v1/jobs", token, body);

        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.json().get("limit").asString()).isEqualTo("submissions");
        assertThat(refused.json().get("quota").asLong()).isEqualTo(6);
        assertThat(refused.json().get("window").asLong()).isEqualTo(60);
        assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 60L);
        assertThat(refused.headers().get("RateLimit-Policy")).anyMatch(v -> v.contains("\"submissions\";q=6;w=60"));
        assertThat(refused.headers().get("RateLimit")).anyMatch(v -> v.matches("\"submissions\";r=0;t=\\d+"));
        assertThat(jobs()).as("the refused submission made no job").hasSize(6);
        assertThat(api.get("/api/v1/jobs/counts", token).json().get("total").asLong())
                .isEqualTo(6);

        String other = member2Token();
        assertThat(api.post(
                                "/api/v1/jobs",
                                other,
                                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + api.textFile(other, "theirs")
                                        + "\"}}")
                        .status())
                .as("another user has a budget of their own")
                .isEqualTo(202);
    }

    @Test
    void aRepeatedSubmissionCountsOnceEvenAtTheLimit() {
        Map<String, String> key = Map.of("Idempotency-Key", "once-" + UUID.randomUUID());
        Api.Response made = api.post("/api/v1/jobs", token, noop(), key);
        assertThat(made.status()).isEqualTo(202);
        awaitState(made.json().get("id").asString(), "succeeded");
        for (int i = 0; i < 5; i++) {
            submitAndFinish();
        }
        assertThat(api.post("/api/v1/jobs", token, noop()).status())
                .as("the limit is reached")
                .isEqualTo(429);

        Api.Response replayed = api.post("/api/v1/jobs", token, noop(), key);

        assertThat(replayed.status()).as(replayed.toString()).isEqualTo(202);
        assertThat(replayed.header("Idempotent-Replayed")).contains("true");
        assertThat(replayed.json().get("id").asString())
                .isEqualTo(made.json().get("id").asString());
        assertThat(jobs()).hasSize(6);
    }

    @Test
    void tooManyWaitingJobsAreRefusedWithTheCountAndNothingIsMade() {
        String gate = "queued-" + UUID.randomUUID();
        List<String> jobs = new ArrayList<>();
        submitGated(jobs, gate, 5);
        try {
            Api.Response refused = api.post("/api/v1/jobs", token, gateJob(gate + "-5"));

            assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
            assertThat(refused.code()).isEqualTo("too_many_queued_jobs");
            assertThat(refused.json().get("limit").asString()).isEqualTo("queued-jobs");
            assertThat(refused.json().get("quota").asLong()).isEqualTo(3);
            assertThat(refused.json().get("queued").asLong()).isEqualTo(3);
            assertThat(refused.header("Retry-After")).isPresent();
            assertThat(jobs()).as("nothing was made").hasSize(5);
            assertThat(api.get("/api/v1/jobs?state=queued", token).json().get("items"))
                    .hasSize(3);

            // The refused attempt did not use up a submission: the next one is refused for the queue again,
            // and once a job has started, it goes through as the sixth submission of the minute.
            assertThat(api.post("/api/v1/jobs", token, gateJob(gate + "-5")).code())
                    .isEqualTo("too_many_queued_jobs");
            Gates.open(gate + "-0");
            awaitState(jobs.getFirst(), "succeeded");
            await().atMost(WAIT)
                    .until(() -> api.get("/api/v1/jobs?state=queued", token)
                                    .json()
                                    .get("items")
                                    .size()
                            == 2);
            Api.Response admitted = api.post("/api/v1/jobs", token, gateJob(gate + "-5"));
            assertThat(admitted.status()).as(admitted.toString()).isEqualTo(202);
            jobs.add(admitted.json().get("id").asString());
        } finally {
            for (int i = 0; i <= 5; i++) {
                Gates.open(gate + "-" + i);
            }
        }
        jobs.forEach(j -> awaitState(j, "succeeded"));
    }

    @Test
    void aBatchLargerThanTheRoomAmongWaitingJobsIsRefusedWholeWithTheLimit() {
        String files = String.join(
                "\",\"", List.of(file, api.textFile(token, "b"), api.textFile(token, "c"), api.textFile(token, "d")));

        Api.Response refused =
                api.post("/api/v1/batches", token, "{\"type\":\"test-noop\",\"files\":[\"" + files + "\"]}");

        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("too_many_queued_jobs");
        assertThat(refused.json().get("limit").asString()).isEqualTo("queued-jobs");
        assertThat(refused.json().get("quota").asLong()).isEqualTo(3);
        assertThat(refused.json().get("adding").asLong()).isEqualTo(4);
        assertThat(jobs()).as("nothing was made").isEmpty();
        assertThat(api.get("/api/v1/batches", token).json().get("items")).isEmpty();
    }

    @Test
    void aRetryNeedsRoomAmongWaitingJobsToo() {
        String gate = "retry-" + UUID.randomUUID();
        List<String> jobs = new ArrayList<>();
        try {
            submitGated(jobs, gate, 5);
            await().atMost(WAIT)
                    .until(() -> states(jobs).equals(List.of("running", "running", "queued", "queued", "queued")));
            assertThat(api.postEmpty("/api/v1/jobs/" + jobs.get(4) + "/cancel", token)
                            .status())
                    .isLessThan(300);
            jobs.add(api.submit(token, "test-gate", file, "{\"gate\":\"" + gate + "-5\"}"));

            Api.Response refused = api.postEmpty("/api/v1/jobs/" + jobs.get(4) + "/retry", token);

            assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
            assertThat(refused.code()).isEqualTo("too_many_queued_jobs");
            assertThat(api.state(token, jobs.get(4))).isEqualTo("cancelled");

            Gates.open(gate + "-0");
            await().atMost(WAIT)
                    .until(() -> api.get("/api/v1/jobs?state=queued", token)
                                    .json()
                                    .get("items")
                                    .size()
                            == 2);
            Api.Response retried = api.postEmpty("/api/v1/jobs/" + jobs.get(4) + "/retry", token);
            assertThat(retried.status()).as(retried.toString()).isLessThan(300);
            assertThat(api.state(token, jobs.get(4))).isIn("queued", "running");
        } finally {
            for (int i = 0; i <= 5; i++) {
                Gates.open(gate + "-" + i);
            }
        }
        jobs.forEach(j -> awaitState(j, "succeeded"));
    }

    @Test
    void aUserAtTheRunningLimitWaitsInTheQueueAndOthersAreNotHeldUp() {
        String gate = "running-" + UUID.randomUUID();
        List<String> mine = new ArrayList<>();
        try {
            submitGated(mine, gate, 4);
            await().atMost(WAIT).until(() -> states(mine).equals(List.of("running", "running", "queued", "queued")));
            // Workers are free (the processor runs 4 at once), yet the others stay queued.
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> states(mine).equals(List.of("running", "running", "queued", "queued")));

            String other = member2Token();
            String theirs =
                    api.submit(other, "test-gate", api.textFile(other, "mine"), "{\"gate\":\"" + gate + "-other\"}");
            await().atMost(WAIT).until(() -> api.state(other, theirs).equals("running"));

            Gates.open(gate + "-0");
            await().atMost(WAIT).until(() -> states(mine).equals(List.of("succeeded", "running", "running", "queued")));
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> states(mine).get(3).equals("queued"));
            Gates.open(gate + "-other");
            awaitState(theirs, other, "succeeded");
        } finally {
            for (int i = 0; i < 4; i++) {
                Gates.open(gate + "-" + i);
            }
            Gates.open(gate + "-other");
        }
        mine.forEach(j -> awaitState(j, "succeeded"));
    }

    @Test
    void aOneStepUploadCountsItsJobWhenCreatedAndIsNeverRefusedWhenComplete() {
        TusRequests tus = new TusRequests(api, token);
        byte[] content = "counted at the start".getBytes(StandardCharsets.UTF_8);
        String upload = tus.create(content.length, Map.of("filename", "a.txt", "processor", "test-noop"));
        for (int i = 0; i < 5; i++) {
            submitAndFinish();
        }
        assertThat(api.post("/api/v1/jobs", token, noop()).code()).isEqualTo("rate_limited");

        Api.Response another = tus.post(Map.of(
                "Upload-Length",
                "5",
                "Upload-Metadata",
                TusRequests.meta(Map.of("filename", "b.txt", "processor", "test-noop"))));
        assertThat(another.status())
                .as("a new one-step upload is refused before any byte: " + another)
                .isEqualTo(429);
        assertThat(another.code()).isEqualTo("rate_limited");
        assertThat(another.json().get("limit").asString()).isEqualTo("submissions");
        assertThat(tus.post(Map.of("Upload-Length", "5")).status())
                .as("an upload without a job is not a submission")
                .isEqualTo(201);

        Api.Response completed = tus.patch(upload, 0, content);

        assertThat(completed.status()).as(completed.toString()).isEqualTo(204);
        String job = completed.header("Kiln-Job-Id").orElseThrow();
        awaitState(job, "succeeded");
    }

    @Test
    void oneStepUploadsStillReceivingHoldTheRoomOfTheirJobs() {
        TusRequests tus = new TusRequests(api, token);
        for (int i = 0; i < 3; i++) {
            tus.create(5, Map.of("filename", i + ".txt", "processor", "test-noop"));
        }

        Api.Response fourth = tus.post(Map.of(
                "Upload-Length",
                "5",
                "Upload-Metadata",
                TusRequests.meta(Map.of("filename", "3.txt", "processor", "test-noop"))));
        assertThat(fourth.status()).as(fourth.toString()).isEqualTo(429);
        assertThat(fourth.code()).isEqualTo("too_many_queued_jobs");
        assertThat(api.post("/api/v1/jobs", token, noop()).code())
                .as("three jobs are on their way")
                .isEqualTo("too_many_queued_jobs");
        assertThat(tus.post(Map.of("Upload-Length", "5")).status())
                .as("an upload without a job takes no room")
                .isEqualTo(201);
    }

    @Test
    void storageQuotaProblemsNameTheQuota() {
        byte[] big = new byte[900 * 1024];
        assertThat(api.upload(token, big, "one.bin").status()).isEqualTo(201);
        assertThat(api.upload(token, big, "two.bin").status()).isEqualTo(201);

        Api.Response refused = api.upload(token, big, "three.bin");

        assertThat(refused.status()).as(refused.toString()).isEqualTo(413);
        assertThat(refused.code()).isEqualTo("quota_exceeded");
        assertThat(refused.json().get("limit").asString()).isEqualTo("storage");
        assertThat(refused.json().get("quota").asLong()).isEqualTo(2 * 1024 * 1024);
        assertThat(refused.json().get("used").asLong()).isEqualTo(2 * 900 * 1024 + "limits".length());
    }

    @Test
    void webSocketsPerAddressAreLimitedAndFreedOnClose() throws Exception {
        List<StreamClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                StreamClient client = StreamClient.connect(api, port, i == 0 ? token : member2Token());
                clients.add(client);
                client.await("welcome", WAIT);
            }
            StreamClient oneTooMany = StreamClient.connect(api, port, member2Token());
            clients.add(oneTooMany);
            assertThat(oneTooMany.closeCode(WAIT))
                    .as("a fourth from this address, whoever it is")
                    .isEqualTo(4008);

            clients.getFirst().close();
            await().atMost(WAIT).untilAsserted(() -> {
                StreamClient probe = StreamClient.connect(api, port, token);
                clients.add(probe);
                assertThat(probe.await("welcome", Duration.ofSeconds(2))).isNotNull();
            });
        } finally {
            clients.forEach(StreamClient::close);
        }
    }

    @Test
    void eventStreamsPerAddressAreLimitedToo() throws Exception {
        String gate = "sse-" + UUID.randomUUID();
        List<InputStream> open = new ArrayList<>();
        List<String> users = List.of(token, member2Token(), member2Token(), member2Token());
        List<String> jobs = users.stream()
                .map(user -> api.submit(user, "test-gate", api.textFile(user, "watch"), "{\"gate\":\"" + gate + "\"}"))
                .toList();
        try {
            for (int i = 0; i < 3; i++) {
                HttpResponse<InputStream> stream = sse(users.get(i), jobs.get(i));
                assertThat(stream.statusCode()).isEqualTo(200);
                open.add(stream.body());
            }
            HttpResponse<InputStream> refused = sse(users.get(3), jobs.get(3));
            assertThat(refused.statusCode())
                    .as("a fourth from this address, whoever it is")
                    .isEqualTo(429);
            assertThat(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("too_many_streams");
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
            Gates.open(gate);
        }
    }

    private HttpResponse<InputStream> sse(String user, String job) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + job + "/events", user)
                                .header("Accept", "text/event-stream")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void dryRunsUseNoneOfTheAllowanceAndAreRefusedAsASubmissionWouldBe() {
        for (int i = 0; i < 10; i++) {
            Api.Response dry = api.post("/api/v1/jobs?dryRun=true", token, noop());
            assertThat(dry.status()).as(dry.toString()).isEqualTo(200);
        }
        assertThat(jobs()).as("a dry run makes no job").isEmpty();
        for (int i = 0; i < 6; i++) {
            submitAndFinish(); // the whole allowance is still there
        }

        Api.Response dry = api.post("/api/v1/jobs?dryRun=true", token, noop());

        assertThat(dry.status()).as(dry.toString()).isEqualTo(429);
        assertThat(dry.code()).isEqualTo("rate_limited");
        assertThat(dry.json().get("limit").asString()).isEqualTo("submissions");
        assertThat(jobs()).hasSize(6);
    }

    private String submitAndFinish() {
        String job = api.submit(token, "test-noop", file, "{}");
        awaitState(job, "succeeded");
        return job;
    }

    private String noop() {
        return "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + file + "\"}}";
    }

    private String gateJob(String gate) {
        return "{\"type\":\"test-gate\",\"input\":{\"fileId\":\"" + file + "\"},\"params\":{\"gate\":\"" + gate
                + "\"}}";
    }

    private String member2Token() {
        return api.newMember("other-" + UUID.randomUUID());
    }

    private List<String> jobs() {
        List<String> ids = new ArrayList<>();
        api.get("/api/v1/jobs?limit=100", token)
                .json()
                .get("items")
                .forEach(j -> ids.add(j.get("id").asString()));
        return ids;
    }

    /**
     * Submits {@code count} jobs held by gates {@code <gate>-0}, {@code -1}…: once the first two (the
     * running limit) run, so that the rest find room among the waiting however slow the claims are.
     */
    private void submitGated(List<String> into, String gate, int count) {
        for (int i = 0; i < count; i++) {
            into.add(api.submit(token, "test-gate", file, "{\"gate\":\"" + gate + "-" + i + "\"}"));
            if (i == 1) {
                await().atMost(WAIT).until(() -> states(into).equals(List.of("running", "running")));
            }
        }
    }

    private List<String> states(List<String> jobs) {
        return jobs.stream().map(j -> api.state(token, j)).toList();
    }

    private void awaitState(String job, String state) {
        awaitState(job, token, state);
    }

    private void awaitState(String job, String owner, String state) {
        await().atMost(WAIT).until(() -> api.state(owner, job).equals(state));
    }
}
