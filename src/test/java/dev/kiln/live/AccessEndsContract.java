package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.api.ErrorCode;
import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.RevokeAfterAuthentication;
import dev.kiln.testing.SseClient;
import dev.kiln.testing.StreamClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Access that ends ends what was opened with it: for each way (token revoked or expired, signed out,
 * session expired, role changed, user deleted) a WebSocket closes 4001/4003, an SSE stream ends and a waiting long
 * poll answers 401 (403/404), within a few seconds; streams of other credentials and users go on.
 * The periodic check runs by hand here ({@code kiln.stream.access-check-interval} is long in tests),
 * so what ends at once is shown to end through the event.
 */
@TestPropertySource(properties = "kiln.test.revoke-after-authentication=true")
abstract class AccessEndsContract extends ApiTestBase {

    private static final Duration SOON = Duration.ofSeconds(5);

    @Autowired
    StreamAccess access;

    @Autowired
    Database db;

    @Autowired
    Users users;

    private final List<String> gates = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    String member;
    String userId;
    String job;

    @BeforeEach
    void setUp() {
        member = api.newMember("access-" + UUID.randomUUID());
        userId = api.userId(member);
        job = waitingJob(member);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        gates.forEach(Gates::open);
    }

    @Test
    void aRevokedTokenEndsItsStreamsAndNoOthers() throws Exception {
        String second = issueToken(member, null).get("token").asString();
        String revokedId = tokenId(member);
        String bystander = api.newMember("bystander-" + UUID.randomUUID());
        String theirJob = waitingJob(bystander);

        StreamClient socket = follow(member, job);
        SseClient sse = sse(api.request(eventsPath(job), member));
        CompletableFuture<Api.Response> poll = longPoll(api.request(pollPath(member, job), member), userId);
        StreamClient sameUserOtherToken = follow(second, job);
        StreamClient otherUser = follow(bystander, theirJob);
        SseClient otherUserSse = sse(api.request(eventsPath(theirJob), bystander));

        assertThat(api.delete("/api/v1/me/tokens/" + revokedId, second).status())
                .isEqualTo(200);

        assertEnded(socket, 4001, sse, poll, 401, "unauthenticated");
        assertStillOpen(sameUserOtherToken, job);
        assertStillOpen(otherUser, theirJob);
        assertThat(otherUserSse.ended()).isFalse();
    }

    @Test
    void anExpiredTokenEndsItsStreamsAtTheNextCheck() throws Exception {
        String expiring = issueToken(
                        member,
                        Instant.now()
                                .plus(Duration.ofDays(1))
                                .truncatedTo(ChronoUnit.SECONDS)
                                .toString())
                .get("token")
                .asString();
        String expiringId = tokenId(expiring);
        StreamClient socket = follow(expiring, job);
        SseClient sse = sse(api.request(eventsPath(job), expiring));
        CompletableFuture<Api.Response> poll = longPoll(api.request(pollPath(member, job), expiring), userId);
        StreamClient other = follow(member, job);

        // Time passes for this token alone: nothing announces an expiry, the check finds it.
        db.sql()
                .sql("UPDATE api_tokens SET expires_at = ? WHERE id = ?")
                .params(System.currentTimeMillis() - 1000, expiringId)
                .update();
        assertThat(socket.closed()).isFalse();
        access.recheck();

        assertEnded(socket, 4001, sse, poll, 401, "unauthenticated");
        assertStillOpen(other, job);
    }

    @Test
    void signingOutEndsTheSessionsStreamsButNotTheTokens() throws Exception {
        BrowserStreams streams = browserStreams();
        Api.Browser browser = streams.browser();
        StreamClient socket = streams.socket();
        SseClient sse = streams.sse();
        CompletableFuture<Api.Response> poll = streams.poll();
        StreamClient sameToken = follow(member, job);

        HttpRequest signOut = api.browserRequest("/api/v1/session", browser)
                .header("X-Kiln-CSRF", browser.csrf())
                .DELETE()
                .build();
        assertThat(api.send(signOut).status()).isEqualTo(204);

        assertEnded(socket, 4001, sse, poll, 401, "unauthenticated");
        assertStillOpen(sameToken, job);
    }

    @Test
    void anExpiredSessionEndsItsStreamsAtTheNextCheck() throws Exception {
        BrowserStreams streams = browserStreams();
        Api.Browser browser = streams.browser();
        StreamClient socket = streams.socket();
        SseClient sse = streams.sse();
        CompletableFuture<Api.Response> poll = streams.poll();

        db.sql()
                .sql("UPDATE sessions SET expires_at = ? WHERE csrf_token = ?")
                .params(System.currentTimeMillis() - 1000, browser.csrf())
                .update();
        assertThat(socket.closed()).isFalse();
        access.recheck();

        assertEnded(socket, 4001, sse, poll, 401, "unauthenticated");
    }

    @Test
    void aDemotedAdminLosesOnlyOtherUsersJobs() throws Exception {
        JsonNode created = api.post(
                        "/api/v1/admin/users",
                        Api.ADMIN_TOKEN,
                        "{\"name\":\"demoted-" + UUID.randomUUID() + "\",\"role\":\"admin\"}")
                .json();
        String admin = created.get("token").asString();
        String adminId = created.get("user").get("id").asString();
        String ownJob = waitingJob(admin);

        StreamClient others = follow(admin, job);
        StreamClient own = follow(admin, ownJob);
        SseClient othersSse = sse(api.request(eventsPath(job), admin));
        SseClient ownSse = sse(api.request(eventsPath(ownJob), admin));
        CompletableFuture<Api.Response> poll = longPoll(api.request(pollPath(admin, job), admin), adminId);

        changeRole(adminId, "member");

        assertEnded(others, 4003, othersSse, poll, 404, "job_not_found");
        assertStillOpen(own, ownJob);
        assertThat(ownSse.ended()).isFalse();
        // The socket that stayed is a member's now: another user's job is not there for it.
        own.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
        assertThat(own.await("error", SOON).get("code").asString()).isEqualTo("job_not_found");
    }

    @Test
    void aUserMadeAWorkerFollowsNothing() throws Exception {
        StreamClient socket = follow(member, job);
        SseClient sse = sse(api.request(eventsPath(job), member));
        CompletableFuture<Api.Response> poll = longPoll(api.request(pollPath(member, job), member), userId);

        changeRole(userId, "worker");

        assertEnded(socket, 4003, sse, poll, 403, "forbidden");
    }

    @Test
    void deletingTheUserEndsAllTheirStreamsAndNoOthers() throws Exception {
        BrowserStreams streams = browserStreams();
        StreamClient socket = follow(member, job);
        SseClient sse = sse(api.request(eventsPath(job), member));
        String bystander = api.newMember("bystander-" + UUID.randomUUID());
        String theirJob = waitingJob(bystander);
        StreamClient otherUser = follow(bystander, theirJob);

        Api.Response deleted = api.delete("/api/v1/admin/users/" + userId + "?data=delete", Api.ADMIN_TOKEN);
        // Their job was running (at its gate): asked to stop, it is deleted at once or, still stopping, later (202).
        assertThat(deleted.status()).as("%s", deleted).isIn(202, 204);

        assertEnded(streams.socket(), 4001, streams.sse(), streams.poll(), 401, "unauthenticated");
        assertThat(socket.closeCode(SOON)).isEqualTo(4001);
        assertThat(sse.endsWithin(SOON)).isTrue();
        assertStillOpen(otherUser, theirJob);
        assertThat(api.get("/api/v1/session", member).status()).isEqualTo(401);
    }

    /** A token revoked after its request was authenticated and before its stream was held: 401 at once. */
    @Test
    void aStreamWhoseTokenEndedAsItOpenedAnswers401BeforeAnyEvent() {
        String sseToken = issueToken(member, null).get("token").asString();
        String pollToken = issueToken(member, null).get("token").asString();
        String poll = "/api/v1/jobs/" + job + "/events?wait=5&after="
                + api.job(member, job).get("seq").asLong();

        Api.Response sse = api.send(api.request(eventsPath(job), sseToken)
                .header("Accept", "text/event-stream")
                .header(RevokeAfterAuthentication.HEADER, "yes")
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build());
        Api.Response waited = api.send(api.request(poll, pollToken)
                .header(RevokeAfterAuthentication.HEADER, "yes")
                .GET()
                .build());

        assertThat(sse.status()).as(sse.toString()).isEqualTo(401);
        assertThat(sse.body()).doesNotContain("event:");
        assertThat(waited.status()).as(waited.toString()).isEqualTo(401);
        assertThat(api.get("/api/v1/session", sseToken).status()).isEqualTo(401); // it was revoked, as meant
    }

    /** An ending between a request's authentication and its hold reaches no holder: holding checks once. */
    @Test
    void accessThatEndedBeforeItsHoldEndsItAsItIsHeld() {
        String second = issueToken(member, null).get("token").asString();
        String revokedId = tokenId(member);
        User user = users.findById(userId).orElseThrow();
        assertThat(api.delete("/api/v1/me/tokens/" + revokedId, second).status())
                .isEqualTo(200);

        JobWatch revoked = new JobWatch(new Access(user, revokedId, null), userId, () -> {});
        JobWatch live = new JobWatch(new Access(user, tokenId(second), null), userId, () -> {});
        access.hold(revoked);
        access.hold(live);
        try {
            assertThat(revoked.ended()).isNotNull();
            assertThat(revoked.ended().code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(live.ended()).isNull();
        } finally {
            access.release(revoked);
            access.release(live);
        }
    }

    @Test
    void aDeletedUserFoundByTheCheckLosesTheirStreams() throws Exception {
        StreamClient socket = follow(member, job);
        SseClient sse = sse(api.request(eventsPath(job), member));
        CompletableFuture<Api.Response> poll = longPoll(api.request(pollPath(member, job), member), userId);

        // As if the notice from the node that deleted them was lost: only the check can tell.
        db.sql()
                .sql("UPDATE users SET deleted_at = ? WHERE id = ?")
                .params(System.currentTimeMillis(), userId)
                .update();
        access.recheck();

        assertEnded(socket, 4001, sse, poll, 401, "unauthenticated");
    }

    @Test
    void aTicketOpensNothingOnceItsTokenIsRevoked() throws Exception {
        String second = issueToken(member, null).get("token").asString();
        String ticket = StreamClient.ticket(api, second);
        api.delete("/api/v1/me/tokens/" + tokenId(second), member);
        StreamClient socket = StreamClient.open(port, "?ticket=" + ticket, null, true);
        open.add(socket);
        assertThat(socket.closeCode(SOON)).isEqualTo(4001);
    }

    /** A signed-in browser following {@code job} three ways: WebSocket, SSE and a waiting long poll. */
    private record BrowserStreams(
            Api.Browser browser, StreamClient socket, SseClient sse, CompletableFuture<Api.Response> poll) {}

    private BrowserStreams browserStreams() throws Exception {
        Api.Browser browser = api.signIn(member);
        StreamClient socket = StreamClient.open(port, "?ticket=" + browserTicket(browser), null, true);
        open.add(socket);
        socket.await("welcome", SOON);
        subscribe(socket, job);
        SseClient sse = sse(api.browserRequest(eventsPath(job), browser));
        return new BrowserStreams(
                browser, socket, sse, longPoll(api.browserRequest(pollPath(member, job), browser), userId));
    }

    private void assertEnded(
            StreamClient socket,
            int closeCode,
            SseClient sse,
            CompletableFuture<Api.Response> poll,
            int status,
            String code)
            throws Exception {
        assertThat(socket.closeCode(SOON)).as("the WebSocket's close code").isEqualTo(closeCode);
        assertThat(sse.endsWithin(SOON)).as("the SSE stream ends").isTrue();
        Api.Response answer = poll.get(SOON.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(answer.status()).as("the long poll's answer: %s", answer).isEqualTo(status);
        assertThat(answer.code()).isEqualTo(code);
        assertThat(answer.header("Content-Type").orElse("")).startsWith("application/problem+json");
    }

    /** Still open, and still served: a new subscription is answered. */
    private void assertStillOpen(StreamClient socket, String jobId) throws InterruptedException {
        assertThat(socket.closed())
                .as("a stream of another credential stays open")
                .isFalse();
        subscribe(socket, jobId);
    }

    private StreamClient follow(String token, String jobId) throws InterruptedException {
        StreamClient socket = StreamClient.connect(api, port, token);
        open.add(socket);
        socket.await("welcome", SOON);
        subscribe(socket, jobId);
        return socket;
    }

    private static void subscribe(StreamClient socket, String jobId) throws InterruptedException {
        socket.send("{\"type\":\"subscribe\",\"jobs\":[\"" + jobId + "\"]}");
        socket.await(m -> m.path("type").asString("").equals("subscribed"), SOON, new ArrayList<>());
    }

    private SseClient sse(HttpRequest.Builder request) throws Exception {
        SseClient sse = SseClient.open(request);
        open.add(sse);
        return sse;
    }

    /** A long poll with nothing to answer yet, returned once it waits (the node holds one more of {@code user}'s). */
    private CompletableFuture<Api.Response> longPoll(HttpRequest.Builder request, String user) {
        long before = access.heldBy(user);
        CompletableFuture<Api.Response> poll = CompletableFuture.supplyAsync(
                () -> api.send(request.GET().build()), Executors.newVirtualThreadPerTaskExecutor());
        await().atMost(SOON).until(() -> access.heldBy(user) > before || poll.isDone());
        assertThat(poll).as("the poll waits").isNotDone();
        return poll;
    }

    /** Events after the job's current seq, waiting up to 30 s: nothing more happens at a gate. */
    private String pollPath(String token, String jobId) {
        return "/api/v1/jobs/" + jobId + "/events?wait=30&after="
                + api.job(token, jobId).get("seq").asLong();
    }

    private static String eventsPath(String jobId) {
        return "/api/v1/jobs/" + jobId + "/events";
    }

    /** A job that runs until the test ends: waiting at a gate, quiet once there. */
    private String waitingJob(String token) {
        String gate = UUID.randomUUID().toString();
        gates.add(gate);
        String id = api.submit(token, "test-gate", api.textFile(token, "held open"), "{\"gate\":\"" + gate + "\"}");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> "waiting at gate"
                        .equals(api.job(token, id).path("stage").asString(null)));
        return id;
    }

    private JsonNode issueToken(String token, String expiresAt) {
        String body = expiresAt == null ? "{}" : "{\"expiresAt\":\"" + expiresAt + "\"}";
        Api.Response issued = api.post("/api/v1/me/tokens", token, body);
        assertThat(issued.status()).isEqualTo(201);
        return issued.json();
    }

    /** The id of the token whose secret is {@code token}. */
    private String tokenId(String token) {
        return db.sql()
                .sql("SELECT id FROM api_tokens WHERE token_hash = ?")
                .param(Users.hash(token))
                .query(String.class)
                .single();
    }

    private String browserTicket(Api.Browser browser) {
        HttpRequest request = api.browserRequest("/api/v1/stream/ticket", browser)
                .header("X-Kiln-CSRF", browser.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        return api.send(request).json().get("ticket").asString();
    }

    private void changeRole(String id, String role) {
        Api.Response changed = api.send(api.request("/api/v1/admin/users/" + id, Api.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\"}"))
                .build());
        assertThat(changed.status()).as("%s", changed).isEqualTo(200);
    }
}
