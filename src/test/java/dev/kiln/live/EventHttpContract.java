package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.events.EventKind;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.SseClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A job's events over SSE and long polling, on each database (one subclass per database). */
abstract class EventHttpContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    String token;
    String fileId;

    @BeforeEach
    void setUp() {
        token = api.newMember("http-follower-" + UUID.randomUUID());
        fileId = api.textFile(token, "follow me");
    }

    /** One SSE event as read off the wire. */
    record SseEvent(long id, String event, JsonNode data) {}

    @Test
    void sseResumesFromLastEventIdAndEndsAfterTheTerminalEvent() throws Exception {
        String job = api.submit(token, "test-ticker", fileId, "{\"count\":30,\"intervalMs\":30}");
        List<Long> seen = new ArrayList<>();
        Long lastEventId = null;
        boolean ended = false;
        for (int connection = 0; !ended; connection++) {
            HttpRequest.Builder request = api.request("/api/v1/jobs/" + job + "/events", token)
                    .header("Accept", "text/event-stream")
                    .GET();
            if (lastEventId != null) {
                request.header("Last-Event-ID", Long.toString(lastEventId));
            }
            HttpResponse<InputStream> response =
                    HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                    .startsWith("text/event-stream");
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                int cutAfter = connection < 3 ? 5 : Integer.MAX_VALUE;
                int read = 0;
                SseEvent event;
                while (read < cutAfter && (event = nextEvent(reader)) != null) {
                    assertThat(event.id()).isEqualTo(event.data().get("seq").asLong());
                    assertThat(event.event())
                            .isEqualTo(SseStream.eventName(
                                    EventKind.fromWire(event.data().get("kind").asString())));
                    seen.add(event.id());
                    lastEventId = event.id();
                    read++;
                }
                ended = read < cutAfter; // the server ended the stream
            }
        }
        long last = api.job(token, job).get("seq").asLong();
        assertThat(seen)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(api.state(token, job)).isEqualTo("succeeded");
    }

    @Test
    void pollingPageByPageSeesEveryEventOnce() {
        String job = api.submit(token, "test-ticker", fileId, "{\"count\":25,\"intervalMs\":20}");
        List<Long> seen = new ArrayList<>();
        long after = 0;
        boolean terminal = false;
        while (!terminal) {
            JsonNode page = api.get("/api/v1/jobs/" + job + "/events?after=" + after + "&limit=7&wait=5", token)
                    .json();
            for (JsonNode event : page.get("items")) {
                seen.add(event.get("seq").asLong());
                terminal |= event.get("kind").asString().equals("state")
                        && event.get("data").get("state").asString().equals("succeeded");
            }
            after = page.get("next").asLong();
        }
        assertThat(seen)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, after).boxed().toList());
    }

    @Test
    void aLongPollAnswersAsSoonAsSomethingHappens() {
        String gate = UUID.randomUUID().toString();
        String job = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        // Quiet once the job is waiting at its gate (its progress is stored): nothing more will happen.
        await().atMost(WAIT)
                .until(() -> "waiting at gate"
                        .equals(api.job(token, job).path("stage").asString(null)));
        long quiet = api.job(token, job).get("seq").asLong();

        Thread opener = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Gates.open(gate);
        });
        long start = System.nanoTime();
        JsonNode page = api.get("/api/v1/jobs/" + job + "/events?after=" + quiet + "&wait=20", token)
                .json();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(page.get("items")).isNotEmpty();
        assertThat(took).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
        opener.interrupt();
    }

    @Test
    void anIdleSseStreamSendsHeartbeatComments() throws Exception {
        String job = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("running"));
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + job + "/events", token)
                                .header("Accept", "text/event-stream")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).startsWith("retry:");
            String line;
            boolean heartbeat = false;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!heartbeat && System.nanoTime() < deadline && (line = reader.readLine()) != null) {
                heartbeat = line.startsWith(":");
            }
            assertThat(heartbeat).isTrue();
        }
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", token);
    }

    @Test
    void anSseStreamOfAWaitingJobEndsWhenTheJobIsDeleted() throws Exception {
        String processor = api.idleProcessor();
        String job = api.submit(token, processor, fileId, "{}"); // queued: no worker claims it
        try (SseClient sse = SseClient.open(api.request("/api/v1/jobs/" + job + "/events", token))) {
            assertThat(sse.next(WAIT).name()).isEqualTo("state");
            assertThat(api.delete("/api/v1/jobs/" + job, token).status()).isEqualTo(204);
            assertThat(sse.endsWithin(WAIT))
                    .as("no terminal event will come for a deleted job")
                    .isTrue();
        }
        assertThat(api.get("/api/v1/jobs/" + job + "/events", token).status()).isEqualTo(404);
    }

    @Test
    void anotherUsersJobEventsAreNotFoundOnEveryHttpTransport() throws Exception {
        String other = api.newMember("other-" + UUID.randomUUID());
        String theirs = api.submit(other, "test-noop", api.textFile(other, "secret"), "{}");

        Api.Response poll = api.get("/api/v1/jobs/" + theirs + "/events?wait=1", token);
        HttpResponse<String> sse = HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + theirs + "/events", token)
                                .header("Accept", "text/event-stream")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(poll.status()).isEqualTo(404);
        assertThat(poll.code()).isEqualTo("job_not_found");
        assertThat(sse.statusCode()).isEqualTo(404);
        assertThat(sse.body()).contains("job_not_found").doesNotContain("secret");
        assertThat(api.get("/api/v1/jobs/" + theirs + "/events?wait=99", token).code())
                .isEqualTo("job_not_found");
        String mine = api.submit(token, "test-noop", fileId, "{}");
        assertThat(api.get("/api/v1/jobs/" + mine + "/events?wait=99", token).code())
                .isEqualTo("invalid_field");
        assertThat(api.send(api.request("/api/v1/jobs/" + mine + "/events", token)
                                .header("Accept", "text/event-stream")
                                .header("Last-Event-ID", "yesterday")
                                .GET()
                                .build())
                        .code())
                .isEqualTo("invalid_field");
    }

    @Test
    void sseFollowsAJobRetriedAfterItFinishedToItsRealEnd() throws Exception {
        String gate = UUID.randomUUID().toString();
        String job = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + gate + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("running"));
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", token);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("cancelled"));
        long cancelledAt = api.job(token, job).get("seq").asLong();
        Gates.open(gate);
        api.postEmpty("/api/v1/jobs/" + job + "/retry", token);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        long end = api.job(token, job).get("seq").asLong();

        List<Long> seen = readWholeStream(job, null);

        assertThat(seen)
                .as("past the first terminal event at " + cancelledAt)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, end).boxed().toList());
        HttpResponse<String> atTheEnd = HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + job + "/events", token)
                                .header("Accept", "text/event-stream")
                                .header("Last-Event-ID", Long.toString(end))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(atTheEnd.statusCode())
                .as("finished and seen: EventSource must stop")
                .isEqualTo(204);
        assertThat(readWholeStream(job, end + 50))
                .as("a resume point past the log replays it")
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, end).boxed().toList());
    }

    @Test
    void aUserMayHoldOnlySoManyEventStreams() throws Exception {
        String job = api.submit(token, "test-gate", fileId, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("running"));
        List<InputStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                HttpResponse<InputStream> stream = sse(job);
                assertThat(stream.statusCode()).isEqualTo(200);
                open.add(stream.body());
            }
            HttpResponse<InputStream> refused = sse(job);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("too_many_streams");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();

            open.removeFirst().close();
            await().atMost(WAIT).until(() -> {
                HttpResponse<InputStream> again = sse(job);
                if (again.statusCode() == 200) {
                    open.add(again.body());
                    return true;
                }
                again.body().close();
                return false;
            });
        } finally {
            for (InputStream stream : open) {
                stream.close();
            }
            api.postEmpty("/api/v1/jobs/" + job + "/cancel", token);
        }
    }

    private HttpResponse<InputStream> sse(String job) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        api.request("/api/v1/jobs/" + job + "/events", token)
                                .header("Accept", "text/event-stream")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void aFailedAttemptGoesOutUnderANameEventSourceDoesNotKeepForItself() throws Exception {
        String job = api.submit(token, "test-fail", fileId, "{\"kind\":\"io\",\"failures\":1}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));

        List<SseEvent> events = readWholeStreamEvents(job, null);

        assertThat(events)
                .filteredOn(e -> e.data().get("kind").asString().equals("error"))
                .singleElement()
                .satisfies(e -> assertThat(e.event()).isEqualTo("attempt_failed"));
        assertThat(events).extracting(SseEvent::event).doesNotContain("open", "error", "message");
    }

    /** Every event id of one SSE stream, read until the server ends it. */
    private List<Long> readWholeStream(String job, Long lastEventId) throws Exception {
        return readWholeStreamEvents(job, lastEventId).stream()
                .map(SseEvent::id)
                .toList();
    }

    /** Every event of one SSE stream, read until the server ends it. */
    private List<SseEvent> readWholeStreamEvents(String job, Long lastEventId) throws Exception {
        HttpRequest.Builder request = api.request("/api/v1/jobs/" + job + "/events", token)
                .header("Accept", "text/event-stream")
                .GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", Long.toString(lastEventId));
        }
        HttpResponse<InputStream> response =
                HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<SseEvent> events = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            SseEvent event;
            while ((event = nextEvent(reader)) != null) {
                events.add(event);
            }
        }
        return events;
    }

    /** Reads the next complete event; skips comments and the retry hint; null at end of stream. */
    private static SseEvent nextEvent(BufferedReader reader) throws Exception {
        Long id = null;
        String event = null;
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (id != null) {
                    return new SseEvent(id, event, JSON.readTree(data.toString()));
                }
                continue;
            }
            if (line.startsWith("id: ")) {
                id = Long.parseLong(line.substring(4));
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
        return null;
    }
}
