package dev.kiln.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.SseClient;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestDatabases;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two Kiln processes on one PostgreSQL: a token revoked on node A ends the streams opened with it
 * on node B (WebSocket 4001, SSE ends, a waiting long poll answers 401), and a demotion on A closes
 * B's socket that follows another user's job (4003), and deleting the user on A closes what they
 * still hold open on B (4001). Both nodes check credentials again only once
 * an hour here, so what ends is ended by the {@code kiln_access} notice. And a waiting job deleted
 * on A ends B's subscriptions to it, and B's "my jobs" subscriber of its owner is told
 * ({@code kiln_deleted}; B's catch-up would also find it gone for the job's followers).
 */
class AccessAcrossNodesTest {

    private static final Duration SOON = Duration.ofSeconds(5);
    private static final Map<String, String> SETTINGS = Map.of(
            "kiln.stream.access-check-interval", "1h",
            "kiln.workers.poll-interval", "200ms",
            "logging.level.dev.kiln", "WARN");

    @Test
    void accessEndedOnOneNodeEndsStreamsOnTheOther() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-access-nodes-");
        try (KilnProcess a = KilnProcess.start(url, home, SETTINGS);
                KilnProcess b = KilnProcess.start(url, home, SETTINGS)) {
            Api apiA = a.api();
            Api apiB = b.api();
            String member = apiA.newMember("across-" + UUID.randomUUID());
            String second = apiA.post("/api/v1/me/tokens", member, "{}")
                    .json()
                    .get("token")
                    .asString();
            String job = waitingJob(apiA, member);
            JsonNode admin = apiA.post(
                            "/api/v1/admin/users",
                            Api.ADMIN_TOKEN,
                            "{\"name\":\"across-admin-" + UUID.randomUUID() + "\",\"role\":\"admin\"}")
                    .json();
            String adminToken = admin.get("token").asString();

            long seq = apiB.job(member, job).get("seq").asLong();
            CompletableFuture<Api.Response> poll = CompletableFuture.supplyAsync(
                    () -> apiB.get("/api/v1/jobs/" + job + "/events?wait=30&after=" + seq, member),
                    Executors.newVirtualThreadPerTaskExecutor());
            try (StreamClient revoked = follow(apiB, b.port(), member, job);
                    StreamClient kept = follow(apiB, b.port(), second, job);
                    StreamClient demoted = follow(apiB, b.port(), adminToken, job);
                    SseClient sse = SseClient.open(apiB.request("/api/v1/jobs/" + job + "/events", member))) {
                String tokenId = null;
                for (JsonNode t : apiA.get("/api/v1/me/tokens", member).json().get("items")) {
                    tokenId = t.get("label").asString().equals("first token")
                            ? t.get("id").asString()
                            : tokenId;
                }
                long sent = System.nanoTime();
                assertThat(apiA.delete("/api/v1/me/tokens/" + tokenId, second).status())
                        .isEqualTo(200);

                assertThat(revoked.closeCode(SOON)).isEqualTo(4001);
                System.out.println(
                        "Token revoked on A -> socket on B closed: " + (System.nanoTime() - sent) / 1_000_000 + " ms");
                assertThat(sse.endsWithin(SOON)).as("B's SSE stream ends").isTrue();
                Api.Response answer = poll.get(SOON.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(answer.status()).as("%s", answer).isEqualTo(401);
                assertThat(answer.code()).isEqualTo("unauthenticated");
                assertThat(kept.closed()).as("the other token's socket stays").isFalse();
                assertThat(demoted.closed()).isFalse();

                String adminId = admin.get("user").get("id").asString();
                assertThat(apiA.send(apiA.request("/api/v1/admin/users/" + adminId, Api.ADMIN_TOKEN)
                                        .header("Content-Type", "application/json")
                                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"role\":\"member\"}"))
                                        .build())
                                .status())
                        .isEqualTo(200);
                assertThat(demoted.closeCode(SOON))
                        .as("an admin made a member on A, on B")
                        .isEqualTo(4003);
                kept.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
                kept.await("subscribed", SOON);

                String memberId = apiB.userId(second);
                Api.Response deleted = apiA.delete("/api/v1/admin/users/" + memberId + "?data=delete", Api.ADMIN_TOKEN);
                assertThat(deleted.status()).as("%s", deleted).isIn(202, 204);
                assertThat(kept.closeCode(SOON))
                        .as("the user deleted on A, on B")
                        .isEqualTo(4001);
            }

            String queued = queuedJob(apiA);
            try (StreamClient socket = follow(apiB, b.port(), Api.ADMIN_TOKEN, queued);
                    StreamClient list = mine(apiB, b.port(), Api.ADMIN_TOKEN);
                    SseClient sse =
                            SseClient.open(apiB.request("/api/v1/jobs/" + queued + "/events", Api.ADMIN_TOKEN))) {
                assertThat(sse.next(SOON).name()).isEqualTo("state");
                assertThat(apiA.delete("/api/v1/jobs/" + queued, Api.ADMIN_TOKEN)
                                .status())
                        .isEqualTo(204);
                assertThat(socket.await("error", SOON).get("job").asString())
                        .as("B's subscription to a job deleted on A ends")
                        .isEqualTo(queued);
                assertThat(sse.endsWithin(SOON)).as("B's SSE stream of it ends").isTrue();
                assertThat(list.await("deleted", SOON).get("job").asString())
                        .as(
                                "B's list of the owner's jobs is told (only the kiln_deleted notice can: no catch-up knows it)")
                        .isEqualTo(queued);
            }
        }
    }

    private static StreamClient follow(Api api, int port, String token, String job) throws InterruptedException {
        StreamClient socket = StreamClient.connect(api, port, token);
        socket.await("welcome", SOON);
        socket.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
        socket.await(m -> m.path("type").asString("").equals("subscribed"), SOON, new ArrayList<>());
        return socket;
    }

    private static StreamClient mine(Api api, int port, String token) throws InterruptedException {
        StreamClient socket = StreamClient.connect(api, port, token);
        socket.await("welcome", SOON);
        socket.send("{\"type\":\"subscribe\",\"mine\":true}");
        socket.await("subscribed", SOON);
        return socket;
    }

    /** A job nobody claims (the admin's): queued until deleted. */
    private static String queuedJob(Api api) {
        String processor = api.idleProcessor();
        return api.submit(Api.ADMIN_TOKEN, processor, api.textFile(Api.ADMIN_TOKEN, "never claimed"), "{}");
    }

    /** A job that waits at a gate nobody opens: quiet until the processes end. */
    private static String waitingJob(Api api, String token) {
        String id = api.submit(
                token, "test-gate", api.textFile(token, "held open"), "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "waiting at gate"
                        .equals(api.job(token, id).path("stage").asString(null)));
        return id;
    }
}
