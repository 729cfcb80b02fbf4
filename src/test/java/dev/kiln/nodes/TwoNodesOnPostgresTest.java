package dev.kiln.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * Two Kiln processes on one PostgreSQL, as behind a load balancer, sharing one data directory or,
 * with a directory each, an S3-compatible bucket (S3Mock).
 * Node B starts alone and takes the jobs; node A joins once they run there, so which node runs
 * what is settled, not raced. A client on A follows B's job live; a cancel sent to A stops B's job
 * at once; B is killed mid-job, its job completes on A, and a client that was on B carries on
 * from A with no gap and no duplicate.
 */
class TwoNodesOnPostgresTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Leases short enough that the killed node's job is rescued in seconds, heartbeats rare enough
     * that one cannot pass for the cancel notice (the test cancels just after one).
     */
    private static final Map<String, String> FAST = Map.of(
            "kiln.workers.lease-duration", "10s",
            "kiln.workers.heartbeat-interval", "5s",
            "kiln.workers.maintenance-interval", "250ms",
            "kiln.workers.poll-interval", "200ms",
            "kiln.jobs.retry-initial-backoff", "100ms",
            "logging.level.dev.kiln", "INFO");

    /** Where the nodes keep files: one directory both mount, or a bucket and a directory each. */
    enum Storage {
        SHARED_DIRECTORY,
        OBJECT_STORAGE
    }

    @ParameterizedTest
    @EnumSource(Storage.class)
    void eventsAndCancelsReachTheOtherNodeAndAKilledNodesJobCompletesOnTheOther(Storage storage) throws Exception {
        Path home = TestDatabases.tempDir("kiln-two-nodes-");
        if (storage == Storage.SHARED_DIRECTORY) {
            run(FAST, home, home);
            return;
        }
        try (S3Server server = S3Server.start(home.resolve("s3"), "kiln-two-nodes")) {
            Map<String, String> settings = new HashMap<>(FAST);
            settings.putAll(server.kilnSettings());
            run(settings, home.resolve("a"), home.resolve("b"));
        }
    }

    private static void run(Map<String, String> settings, Path homeA, Path homeB) throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        try (KilnProcess b = KilnProcess.start(url, homeB, settings)) {
            Api apiB = b.api();
            String member = apiB.newMember("follower");
            String file = apiB.textFile(member, "one blob store for both nodes");
            // Long enough to still tick once A is up; it ends by the cancel below.
            String ticking = apiB.submit(member, "test-ticker", file, "{\"count\":5000,\"intervalMs\":100}");
            String rescued = apiB.submit(member, "test-slow-first", file, "{\"ms\":120000}");
            await().atMost(WAIT)
                    .until(() -> apiB.state(member, ticking).equals("running")
                            && apiB.state(member, rescued).equals("running"));

            try (KilnProcess a = KilnProcess.start(url, homeA, settings);
                    StreamClient onA = StreamClient.connect(a.api(), a.port(), member);
                    StreamClient onB = StreamClient.connect(apiB, b.port(), member)) {
                Api apiA = a.api();
                onA.await("welcome", WAIT);
                onB.await("welcome", WAIT);
                onA.send("{\"type\":\"subscribe\",\"jobs\":[\"" + ticking + "\"]}");
                onA.await("subscribed", WAIT);
                onB.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + rescued + "\",\"after\":0}]}");
                onB.await("subscribed", WAIT);

                // B's ticker, live on A: each event within a generous bound of its timestamp.
                List<Long> delays = new ArrayList<>();
                long lastSeq = -1;
                while (delays.size() < 30) {
                    JsonNode event =
                            onA.await(m -> m.path("type").asString("").equals("event"), WAIT, new ArrayList<>());
                    long delay = System.currentTimeMillis() - timestamp(event);
                    delays.add(delay);
                    if (lastSeq >= 0) {
                        assertThat(event.get("seq").asLong())
                                .as("in order, once")
                                .isEqualTo(lastSeq + 1);
                    }
                    lastSeq = event.get("seq").asLong();
                }
                List<Long> sorted = delays.stream().sorted().toList();
                System.out.println("Event produced on B -> received on A: median " + sorted.get(sorted.size() / 2)
                        + " ms, max " + sorted.getLast() + " ms over " + sorted.size() + " events");
                assertThat(sorted.getLast())
                        .as("ms from B's event to A's client")
                        .isLessThan(2_000);

                // A cancel sent to A stops the job running on B: just after a heartbeat, so the next
                // one (which would also tell B) is seconds away.
                awaitLeaseRenewal(url, ticking);
                long cancelSent = System.nanoTime();
                assertThat(apiA.postEmpty("/api/v1/jobs/" + ticking + "/cancel", member)
                                .status())
                        .isEqualTo(202);
                onA.await(
                        m -> m.path("kind").asString("").equals("state")
                                && m.path("data").path("state").asString("").equals("cancelled"),
                        WAIT,
                        new ArrayList<>());
                long cancelMillis = (System.nanoTime() - cancelSent) / 1_000_000;
                System.out.println("Cancel sent to A -> job on B cancelled: " + cancelMillis + " ms");
                assertThat(cancelMillis)
                        .as("ms from the cancel on A to the job's end on B")
                        .isLessThan(2_000);

                // B dies mid-job; the client that was on B moves to A and carries on from its last seq.
                List<Long> seenOnB = seqs(drain(onB));
                assertThat(seenOnB).isNotEmpty();
                b.kill();
                seenOnB = merge(seenOnB, seqs(drain(onB)));
                long resumeAfter = seenOnB.getLast();
                try (StreamClient movedToA = StreamClient.connect(apiA, a.port(), member)) {
                    movedToA.await("welcome", WAIT);
                    movedToA.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + rescued + "\",\"after\":"
                            + resumeAfter + "}]}");
                    assertThat(movedToA.await("subscribed", WAIT)
                                    .get("recovered")
                                    .asBoolean())
                            .isTrue();
                    List<JsonNode> after = new ArrayList<>();
                    after.add(movedToA.await(
                            m -> m.path("kind").asString("").equals("state")
                                    && m.path("data").path("state").asString("").equals("succeeded"),
                            WAIT,
                            after));
                    List<Long> whole = new ArrayList<>(seenOnB);
                    whole.addAll(seqs(after));
                    JsonNode job = apiA.job(member, rescued);
                    assertThat(whole)
                            .as("every seq once, in order, across both nodes")
                            .containsExactlyElementsOf(
                                    LongStream.rangeClosed(1, job.get("seq").asLong())
                                            .boxed()
                                            .toList());
                    assertThat(job.get("attempt").asInt())
                            .as("the second attempt ran on A, the only node left")
                            .isEqualTo(2);
                    assertThat(job.get("state").asString()).isEqualTo("succeeded");
                }
            }
        }
    }

    /** Returns just after the job's lease was renewed (its worker's heartbeat). */
    private static void awaitLeaseRenewal(String url, String jobId) throws SQLException, InterruptedException {
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement lease = c.prepareStatement("SELECT lease_expires_at FROM jobs WHERE id = ?")) {
            lease.setString(1, jobId);
            long first = leaseOf(lease);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (leaseOf(lease) == first) {
                assertThat(System.nanoTime()).as("a heartbeat renews the lease").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    private static long leaseOf(PreparedStatement lease) throws SQLException {
        try (ResultSet rs = lease.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    /** When the event was made, as the server stamped it (both nodes share this machine's clock). */
    private static long timestamp(JsonNode event) {
        JsonNode ts = event.get("ts");
        return ts.isNumber() ? ts.asLong() : Instant.parse(ts.asString()).toEpochMilli();
    }

    /** Whatever the client received so far (waiting briefly for stragglers). */
    private static List<JsonNode> drain(StreamClient client) throws InterruptedException {
        List<JsonNode> got = new ArrayList<>();
        for (JsonNode m = client.next(Duration.ofMillis(300)); m != null; m = client.next(Duration.ofMillis(300))) {
            got.add(m);
        }
        return got;
    }

    private static List<Long> seqs(List<JsonNode> messages) {
        return messages.stream()
                .filter(m -> m.path("type").asString("").equals("event"))
                .map(m -> m.get("seq").asLong())
                .toList();
    }

    private static List<Long> merge(List<Long> first, List<Long> then) {
        List<Long> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
