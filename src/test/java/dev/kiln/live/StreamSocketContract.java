package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.StalledStreamClient;
import dev.kiln.testing.StreamClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The WebSocket stream, with real sockets, on each database (one subclass per database). */
abstract class StreamSocketContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration FLOOD_WAIT = Duration.ofSeconds(60);

    @Autowired
    MeterRegistry meters;

    String token;
    String fileId;

    @BeforeEach
    void setUp() {
        token = api.newMember("streamer-" + UUID.randomUUID());
        fileId = api.textFile(token, "stream me");
    }

    @Test
    void aRequestThatIsNoHandshakeIsToldWhatThePathIs() {
        // Was Spring's plain-text line (no Upgrade), or an empty 400 (no Connection: Upgrade) or 405.
        RawHttp raw = new RawHttp(port);
        for (List<String> headers : List.of(List.<String>of(), List.of("Upgrade: websocket"))) {
            Api.Response plain = raw.send("GET", "/api/v1/stream", headers, new byte[0]);
            assertThat(plain.status()).as(plain.toString()).isEqualTo(400);
            assertThat(plain.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(plain.code()).isEqualTo("malformed_request");
            assertThat(plain.json().get("detail").asString()).contains("GET /api/v1/jobs/{id}/events");
        }
        Api.Response post = raw.send("POST", "/api/v1/stream", List.of(), new byte[0]);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.code()).isEqualTo("method_not_allowed");
        assertThat(post.header("Allow")).contains("GET");
    }

    @Test
    void aClientCutOffSeveralTimesSeesEveryEventExactlyOnceInOrder() throws Exception {
        String job = api.submit(token, "test-ticker", fileId, "{\"count\":40,\"intervalMs\":40}");
        List<Long> applied = new ArrayList<>();
        long last = -1;
        long snapshotSeq = -1;
        boolean done = false;
        for (int connection = 0; !done; connection++) {
            try (StreamClient client = StreamClient.connect(api, port, token)) {
                client.send(
                        last < 0
                                ? "{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\"}]}"
                                : "{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\",\"after\":" + last
                                        + "}]}");
                JsonNode subscribed = client.await("subscribed", WAIT);
                if (last >= 0) {
                    assertThat(subscribed.get("recovered").asBoolean()).isTrue();
                } else {
                    last = client.await("snapshot", WAIT).get("job").get("seq").asLong();
                    snapshotSeq = last;
                }
                long seenOnThisConnection = 0;
                // Cut the connection after a few events, three times; then follow to the end.
                int cutAfter = connection < 3 ? 4 + connection * 3 : Integer.MAX_VALUE;
                while (seenOnThisConnection < cutAfter) {
                    JsonNode event =
                            client.await(m -> m.path("type").asString("").equals("event"), WAIT, new ArrayList<>());
                    long seq = event.get("seq").asLong();
                    assertThat(seq)
                            .as("in order on one connection")
                            .isGreaterThan(seenOnThisConnection == 0 ? 0 : applied.getLast());
                    if (seq > last) { // at-least-once on the wire: the client ignores what it has
                        applied.add(seq);
                        last = seq;
                    }
                    seenOnThisConnection++;
                    if (JobFollow.isTerminal(asEvent(event))) {
                        done = true;
                        break;
                    }
                }
                if (!done) {
                    client.abort();
                }
            }
        }
        assertThat(applied)
                .as("gapless from just after the snapshot")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(snapshotSeq + 1, last)
                        .boxed()
                        .toList());
        assertThat(last).isEqualTo(api.job(token, job).get("seq").asLong());
        assertThat(api.state(token, job)).isEqualTo("succeeded");
    }

    @Test
    void aResubscriptionTheServerCannotReplayGetsAFreshSnapshot() throws Exception {
        String job = api.submit(token, "test-noop", fileId, "{}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\",\"after\":999}]}");

            assertThat(client.await("subscribed", WAIT).get("recovered").asBoolean())
                    .isFalse();
            JsonNode snapshot = client.await("snapshot", WAIT).get("job");
            assertThat(snapshot.get("state").asString()).isEqualTo("succeeded");
        }
    }

    @Test
    void anotherUsersJobAnswersLikeAMissingOneAndLeaksNothing() throws Exception {
        String other = api.newMember("other-" + UUID.randomUUID());
        String theirs =
                api.submit(other, "test-ticker", api.textFile(other, "secret"), "{\"count\":20,\"intervalMs\":20}");
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + theirs + "\",\"job_aaaaaaaaaaaaaaaaaaaaaaaaaa\"]}");

            JsonNode first = client.await("error", WAIT);
            JsonNode second = client.await("error", WAIT);
            assertThat(first.get("code").asString()).isEqualTo("job_not_found");
            assertThat(second.get("code").asString()).isEqualTo("job_not_found");
            await().atMost(WAIT).until(() -> api.state(other, theirs).equals("succeeded"));
            JsonNode leaked;
            while ((leaked = client.next(Duration.ofMillis(300))) != null) {
                assertThat(leaked.path("type").asString()).isNotIn("event", "snapshot");
            }
        }
    }

    @Test
    void aFollowedWaitingJobThatIsDeletedEndsItsSubscription() throws Exception {
        String processor = api.idleProcessor();
        String job = api.submit(token, processor, fileId, "{}"); // queued: no worker claims it
        String other = api.submit(token, processor, fileId, "{}");
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\",\"" + other + "\"]}");
            client.await("snapshot", WAIT);
            client.await("snapshot", WAIT);
            assertThat(api.delete("/api/v1/jobs/" + job, token).status()).isEqualTo(204);

            JsonNode ended = client.await("error", WAIT);
            assertThat(ended.get("code").asString()).isEqualTo("job_not_found");
            assertThat(ended.get("job").asString()).isEqualTo(job);
            api.postEmpty("/api/v1/jobs/" + other + "/cancel", token);
            JsonNode state = client.await(m -> m.path("kind").asString("").equals("state"), WAIT, new ArrayList<>());
            assertThat(state.get("job").asString())
                    .as("the other job is still followed")
                    .isEqualTo(other);
        }
    }

    @Test
    void badMessagesGetAnErrorAndTheConnectionStaysUsable() throws Exception {
        String job = api.submit(token, "test-noop", fileId, "{}");
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{not json");
            assertThat(client.await("error", WAIT).get("code").asString()).isEqualTo("malformed_json");
            client.send("{\"type\":\"dance\"}");
            assertThat(client.await("error", WAIT).get("code").asString()).isEqualTo("unknown_type");
            client.send("[1,2,3]");
            assertThat(client.await("error", WAIT).get("code").asString()).isEqualTo("bad_message");
            client.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\",\"after\":-3}]}");
            assertThat(client.await("error", WAIT).get("code").asString()).isEqualTo("bad_message");

            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}");
            assertThat(client.await("subscribed", WAIT).get("job").asString()).isEqualTo(job);
        }
    }

    @Test
    void anOversizedMessageClosesWith1009() throws Exception {
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + "x".repeat(17 * 1024) + "\"]}");

            assertThat(client.closeCode(WAIT)).isEqualTo(1009);
        }
    }

    @Test
    void floodingClosesWith4008AndTheServerStaysUp() throws Exception {
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            for (int i = 0; i < 300 && !client.closed(); i++) {
                client.sendQuietly("{\"type\":\"pong\",\"ts\":0}");
            }
            assertThat(client.closeCode(WAIT)).isEqualTo(4008);
        }
        assertThat(api.get("/api/v1/jobs", token).status()).isEqualTo(200);
    }

    @Test
    void authenticationByTicketOnceOrByTokenInTheFirstMessage() throws Exception {
        String ticket = StreamClient.ticket(api, token);
        try (StreamClient first = StreamClient.open(port, "?ticket=" + ticket, null, true)) {
            assertThat(first.await("welcome", WAIT).get("pingInterval").asLong())
                    .isPositive();
        }
        try (StreamClient reused = StreamClient.open(port, "?ticket=" + ticket, null, true)) {
            assertThat(reused.closeCode(WAIT)).as("a ticket works once").isEqualTo(4001);
        }
        try (StreamClient forged = StreamClient.open(port, "?ticket=wst_forged", null, true)) {
            assertThat(forged.closeCode(WAIT)).isEqualTo(4001);
        }
        try (StreamClient byToken = StreamClient.open(port, "", null, true)) {
            byToken.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            assertThat(byToken.await("welcome", WAIT)).isNotNull();
        }
        try (StreamClient anonymous = StreamClient.open(port, "", null, true)) {
            anonymous.send("{\"type\":\"subscribe\",\"mine\":true}");
            assertThat(anonymous.closeCode(WAIT)).isEqualTo(4001);
        }
        assertThat(api.postEmpty("/api/v1/stream/ticket", null).status()).isEqualTo(401);
    }

    @Test
    void aForeignOriginIsClosedWith1008() throws Exception {
        try (StreamClient client =
                StreamClient.open(port, "?ticket=" + StreamClient.ticket(api, token), "https://evil.example", true)) {
            assertThat(client.closeCode(WAIT)).isEqualTo(1008);
        }
        try (StreamClient sameOrigin = StreamClient.open(
                port, "?ticket=" + StreamClient.ticket(api, token), "http://localhost:" + port, true)) {
            assertThat(sameOrigin.await("welcome", WAIT)).isNotNull();
        }
    }

    @Test
    void aClientThatDoesNotAnswerPingsIsClosed() throws Exception {
        try (StreamClient silent = StreamClient.open(port, "?ticket=" + StreamClient.ticket(api, token), null, false)) {
            assertThat(silent.await("ping", WAIT)).isNotNull();

            assertThat(silent.closeCode(WAIT)).isEqualTo(4010);
        }
    }

    @Test
    void aUserMayHoldOnlySoManyConnections() throws Exception {
        List<StreamClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                StreamClient client = StreamClient.connect(api, port, token);
                clients.add(client);
                client.await("welcome", WAIT);
            }
            StreamClient oneTooMany = StreamClient.connect(api, port, token);
            clients.add(oneTooMany);
            assertThat(oneTooMany.closeCode(WAIT)).isEqualTo(4008);

            // Closing frees places, exactly as many as were closed.
            for (StreamClient client : clients.subList(0, 8)) {
                client.close();
            }
            await().atMost(WAIT).untilAsserted(() -> {
                StreamClient probe = StreamClient.connect(api, port, token);
                clients.add(probe);
                assertThat(probe.await("welcome", Duration.ofSeconds(2))).isNotNull();
            });
            for (int i = 0; i < 7; i++) {
                StreamClient again = StreamClient.connect(api, port, token);
                clients.add(again);
                again.await("welcome", WAIT);
            }
            StreamClient overAgain = StreamClient.connect(api, port, token);
            clients.add(overAgain);
            assertThat(overAgain.closeCode(WAIT)).isEqualTo(4008);
        } finally {
            clients.forEach(StreamClient::close);
        }
    }

    @Test
    void myJobsFollowsNewJobsAndTheirStatesButNotOthers() throws Exception {
        String other = api.newMember("neighbour-" + UUID.randomUUID());
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"mine\":true}");
            client.await("subscribed", WAIT);

            api.submit(other, "test-noop", api.textFile(other, "not yours"), "{}");
            String mine = api.submit(token, "test-noop", fileId, "{}");

            List<String> states = new ArrayList<>();
            JsonNode event;
            while (!states.contains("succeeded")) {
                event = client.await(m -> m.path("type").asString("").equals("event"), WAIT, new ArrayList<>());
                assertThat(event.get("job").asString()).isEqualTo(mine);
                if (event.get("kind").asString().equals("state")) {
                    states.add(event.get("data").get("state").asString());
                }
            }
            assertThat(states).containsExactly("queued", "running", "succeeded");
        }
    }

    @Test
    void myJobsIsToldOfTheDeletionOfItsJobsOnly() throws Exception {
        String processor = api.idleProcessor(); // queued jobs: deletable, with no terminal event to come
        String other = api.newMember("neighbour-" + UUID.randomUUID());
        String theirs = api.submit(other, processor, api.textFile(other, "not yours"), "{}");
        String listed = api.submit(token, processor, fileId, "{}");
        String followed = api.submit(token, processor, fileId, "{}");
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.send("{\"type\":\"subscribe\",\"mine\":true}");
            client.await("subscribed", WAIT);
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"" + followed + "\"]}");
            client.await("snapshot", WAIT);

            assertThat(api.delete("/api/v1/jobs/" + theirs, other).status()).isEqualTo(204);
            assertThat(api.delete("/api/v1/jobs/" + listed, token).status()).isEqualTo(204);
            List<JsonNode> before = new ArrayList<>();
            JsonNode deleted = client.await(m -> m.path("type").asString("").equals("deleted"), WAIT, before);
            assertThat(deleted.get("job").asString())
                    .as("the first deletion told is the user's own, not the neighbour's before it")
                    .isEqualTo(listed);
            assertThat(before).noneMatch(m -> m.path("job").asString("").equals(theirs));

            assertThat(api.delete("/api/v1/jobs/" + followed, token).status()).isEqualTo(204);
            List<JsonNode> told = new ArrayList<>();
            told.add(client.await(m -> m.path("job").asString("").equals(followed), WAIT, new ArrayList<>()));
            told.add(client.await(m -> m.path("job").asString("").equals(followed), WAIT, new ArrayList<>()));
            assertThat(told)
                    .as("a job both followed and listed: its follow ends, and the list is told")
                    .extracting(
                            m -> m.get("type").asString() + " " + m.path("code").asString(""))
                    .containsExactlyInAnyOrder("error job_not_found", "deleted ");
        }
    }

    @Test
    void aSlowClientIsCutOffAndDoesNotSlowOthers() throws Exception {
        String flood = api.submit(token, "test-ticker", fileId, "{\"count\":3000,\"intervalMs\":0,\"size\":4000}");
        String gate = UUID.randomUUID().toString();
        String watched = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        double closedBefore =
                meters.get("kiln.websocket.slow.consumer.closes").counter().count();
        try (StalledStreamClient slow = StalledStreamClient.open(port, "?ticket=" + StreamClient.ticket(api, token));
                StreamClient brisk = StreamClient.connect(api, port, token)) {
            // From the log's start: the flood may be over before this arrives, and a fresh
            // subscription to a finished job gets only its snapshot.
            slow.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + flood + "\",\"after\":0}]}");
            brisk.send("{\"type\":\"subscribe\",\"jobs\":[\"" + watched + "\"]}");
            brisk.await("snapshot", WAIT);

            // The cut comes once the inbox fills (live events) or a blocked send outlasts the send
            // time limit (replayed ones), after the server's send buffer (megabytes) has filled.
            await().atMost(FLOOD_WAIT)
                    .until(() -> meters.get("kiln.websocket.slow.consumer.closes")
                                    .counter()
                                    .count()
                            >= closedBefore + 1);
            // The close frame waits behind everything the client has not read: whether a client that
            // stopped reading still gets it (4009) or sees the connection drop (1006) depends on
            // buffers and timing, and both mean "reconnect and resume" (docs/protocol.md).
            assertThat(slow.closeCode(WAIT)).isIn(4009, 1006);

            await().atMost(FLOOD_WAIT).until(() -> api.state(token, flood).equals("succeeded"));
            long opened = System.nanoTime();
            Gates.open(gate);
            JsonNode done = brisk.await(
                    m -> m.path("kind").asString("").equals("state")
                            && m.path("data").path("state").asString("").equals("succeeded"),
                    WAIT,
                    new ArrayList<>());
            assertThat(done.get("job").asString()).isEqualTo(watched);
            assertThat(Duration.ofNanos(System.nanoTime() - opened)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void myJobsIsNotFloodedByPartialResults() throws Exception {
        try (StreamClient list = StreamClient.connect(api, port, token)) {
            list.send("{\"type\":\"subscribe\",\"mine\":true}");
            list.await("subscribed", WAIT);
            String chatty = api.submit(token, "test-ticker", fileId, "{\"count\":3000,\"intervalMs\":0}");

            List<JsonNode> seen = new ArrayList<>();
            list.await(
                    m -> m.path("kind").asString("").equals("state")
                            && m.path("data").path("state").asString("").equals("succeeded"),
                    WAIT,
                    seen);
            assertThat(seen).noneMatch(m -> m.path("kind").asString("").equals("partial"));
            assertThat(seen)
                    .filteredOn(m -> m.path("kind").asString("").equals("progress"))
                    .hasSizeLessThan(20);
            assertThat(list.closed()).isFalse();
            assertThat(api.state(token, chatty)).isEqualTo("succeeded");
        }
    }

    @Test
    void aJobNamedManyTimesInOneMessageIsFollowedOnce() throws Exception {
        String job = api.submit(token, "test-echo", fileId, "{\"partials\":5}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            String entry = "{\"id\":\"" + job + "\",\"after\":0}";
            client.send("{\"type\":\"subscribe\",\"jobs\":["
                    + String.join(",", java.util.Collections.nCopies(200, entry)) + "]}");

            client.await("subscribed", WAIT);
            List<JsonNode> rest = new ArrayList<>();
            JsonNode message;
            while ((message = client.next(Duration.ofMillis(500))) != null) {
                rest.add(message);
            }
            assertThat(rest).noneMatch(m -> m.path("type").asString("").equals("subscribed"));
            assertThat(rest)
                    .filteredOn(m -> m.path("type").asString("").equals("event"))
                    .hasSize((int) api.job(token, job).get("seq").asLong());
        }
    }

    private static dev.kiln.events.JobEvent asEvent(JsonNode message) {
        return new dev.kiln.events.JobEvent(
                message.get("job").asString(),
                null,
                message.get("seq").asLong(),
                dev.kiln.events.EventKind.fromWire(message.get("kind").asString()),
                message.get("data"),
                null);
    }
}
