package dev.kiln.drain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.TestDatabases;
import dev.kiln.uploads.TusRequests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two Kiln nodes on one PostgreSQL and one data directory, restarted one after the other (a real
 * SIGTERM, the drain, the exit, a start on the same port) while jobs are submitted to both, a
 * WebSocket client follows every job, and a file goes up with tus: no job is lost or completes
 * twice, the follower sees every event of every job in order, the upload ends whole.
 */
class PostgresRollingRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int UPLOAD_SIZE = 48 * 1024 * 1024;
    /** test-sleep's concurrency on each node. */
    private static final int SLOTS = 4;
    /** Slow enough that the upload is still going when each node restarts. */
    private static final int UPLOAD_BYTES_PER_SECOND = 1024 * 1024;

    private static final Map<String, String> SETTINGS = Map.of(
            "kiln.workers.poll-interval", "200ms",
            "kiln.workers.shutdown-grace", "2s",
            "kiln.drain.readiness-delay", "500ms",
            // An upload's PATCH still going when the web server drains is cut after this.
            "spring.lifecycle.timeout-per-shutdown-phase", "2s",
            // The test hammers the API from one address as one user.
            "kiln.limits.requests", "1000000",
            "kiln.limits.submissions", "1000000");

    private final int[] ports = new int[2];

    @Test
    void aRollingRestartUnderLoadLosesNoJobNoEventNoUpload() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-rolling-");
        KilnProcess a = KilnProcess.start(url, home, SETTINGS);
        KilnProcess b = KilnProcess.start(url, home, SETTINGS);
        List<KilnProcess> started = new CopyOnWriteArrayList<>(List.of(a, b));
        try {
            ports[0] = a.port();
            ports[1] = b.port();
            String file = a.api().textFile(Api.ADMIN_TOKEN, "rolling");
            Path content = randomFile();

            Follower follower = new Follower();
            Submitter submitter = new Submitter(file, follower.newJobs);
            Uploader uploader = new Uploader(content);
            Thread following = Thread.ofPlatform().name("follower").start(follower);
            Thread submitting = Thread.ofPlatform().name("submitter").start(submitter);
            Thread uploading = Thread.ofPlatform().name("uploader").start(uploader);

            Thread.sleep(2000);
            List<String> longJobs = new ArrayList<>(longJobsOnBothNodes(file, follower.newJobs));
            started.add(a.restart());
            Thread.sleep(2000);
            longJobs.addAll(longJobsOnBothNodes(file, follower.newJobs));
            started.add(b.restart());
            Thread.sleep(3000);
            submitter.stop.set(true);
            submitting.join(WAIT.toMillis());

            // No job lost: each ran to success once, on its first attempt (a release spends none).
            List<String> jobs = new ArrayList<>(submitter.submitted);
            assertThat(jobs).hasSizeGreaterThan(20);
            jobs.addAll(longJobs);
            assertThat(submitter.problems).isEmpty();
            Api api = new Api(ports[0]);
            await().atMost(WAIT)
                    .until(() -> jobs.stream()
                            .allMatch(id -> api.state(Api.ADMIN_TOKEN, id).equals("succeeded")));
            int released = 0;
            for (String id : jobs) {
                JsonNode job = api.job(Api.ADMIN_TOKEN, id);
                assertThat(job.get("attempt").asInt()).as("attempt of %s", id).isEqualTo(1);
                List<String> states = api.events(Api.ADMIN_TOKEN, id).stream()
                        .filter(e -> e.get("kind").asString().equals("state"))
                        .map(e -> e.get("data").get("state").asString())
                        .toList();
                assertThat(states)
                        .as("states of %s", id)
                        .startsWith("queued")
                        .endsWith("running", "succeeded")
                        .containsOnly("queued", "running", "succeeded")
                        .containsOnlyOnce("succeeded");
                released += (int) states.stream().filter("running"::equals).count() - 1;
            }
            assertThat(released)
                    .as("long jobs released by the draining nodes and run again")
                    .isGreaterThanOrEqualTo(2 * SLOTS);

            int releasedJobs = released;
            // No event lost: the follower, moved from node to node by 1001, saw every event once, in order.
            follower.stop.set(true);
            following.join(WAIT.toMillis());
            assertThat(follower.problems).isEmpty();
            for (String id : jobs) {
                assertThat(follower.last.get(id))
                        .as("events of %s seen", id)
                        .isEqualTo(api.job(Api.ADMIN_TOKEN, id).get("seq").asLong());
            }
            assertThat(follower.closeCodes)
                    .as("closed by each node's drain")
                    .hasSizeGreaterThanOrEqualTo(2)
                    .containsOnly(1001);

            // No upload lost: cut by a drain, resumed from HEAD on the other node, complete and whole.
            uploading.join(WAIT.toMillis());
            System.out.printf(
                    "rolling restart: %d jobs, %d releases, follower closed with %s, upload resumed from %s%n",
                    jobs.size(), releasedJobs, follower.closeCodes, uploader.resumedFrom);
            assertThat(uploader.problems).isEmpty();
            assertThat(uploader.resumedFrom)
                    .as("resumed after a cut")
                    .isNotEmpty()
                    .allMatch(offset -> offset > 0);
            assertThat(uploader.fileId).isNotNull();
            JsonNode stored =
                    api.get("/api/v1/files/" + uploader.fileId, Api.ADMIN_TOKEN).json();
            assertThat(stored.get("size").asLong()).isEqualTo(UPLOAD_SIZE);
            assertThat(stored.get("sha256").asString()).isEqualTo(TestBytes.sha256(Files.newInputStream(content)));
            HttpResponse<InputStream> download = HttpClient.newHttpClient()
                    .send(
                            api.request("/api/v1/files/" + uploader.fileId + "/content", Api.ADMIN_TOKEN)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertThat(TestBytes.sha256(download.body())).isEqualTo(TestBytes.sha256(Files.newInputStream(content)));
        } finally {
            started.forEach(KilnProcess::close);
        }
    }

    /**
     * Twice as many jobs that outlast the drain's grace as one node has slots, all running: then
     * each node runs as many as it has slots, and the node restarted next must release them.
     */
    private List<String> longJobsOnBothNodes(String file, BlockingQueue<String> handOff) {
        Api api = new Api(ports[0]);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2 * SLOTS; i++) {
            ids.add(api.submit(Api.ADMIN_TOKEN, "test-sleep", file, "{\"ms\":8000,\"steps\":16}"));
        }
        handOff.addAll(ids);
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ids.stream()
                        .allMatch(id -> api.state(Api.ADMIN_TOKEN, id).equals("running")));
        return ids;
    }

    /** Submits a short job every 300 ms, round-robin over the nodes. */
    private final class Submitter implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final List<String> submitted = new CopyOnWriteArrayList<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        private final String file;
        private final BlockingQueue<String> handOff;

        Submitter(String file, BlockingQueue<String> handOff) {
            this.file = file;
            this.handOff = handOff;
        }

        @Override
        public void run() {
            for (int n = 0; !stop.get(); n++) {
                String body = "{\"type\":\"test-sleep\",\"input\":{\"fileId\":\"" + file
                        + "\"},\"params\":{\"ms\":600,\"steps\":3}}";
                // The same key on every try: a submission whose answer was lost is not made twice.
                Map<String, String> key =
                        Map.of("Idempotency-Key", UUID.randomUUID().toString());
                String id = null;
                for (int tryNo = 0; id == null && tryNo < 100; tryNo++) {
                    try {
                        Api.Response answer =
                                new Api(ports[(n + tryNo) % 2]).post("/api/v1/jobs", Api.ADMIN_TOKEN, body, key);
                        if (answer.status() == 202) {
                            id = answer.json().get("id").asString();
                        } else {
                            pause(100);
                        }
                    } catch (UncheckedIOException nodeDown) {
                        pause(100);
                    }
                }
                if (id == null) {
                    problems.add("could not submit job " + n);
                } else {
                    submitted.add(id);
                    handOff.add(id);
                }
                pause(300);
            }
        }
    }

    /**
     * One WebSocket client following every submitted job, as a browser tab would: on a close it
     * connects to the other node and subscribes again after the last seq it has of each job.
     */
    private final class Follower implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final BlockingQueue<String> newJobs = new LinkedBlockingQueue<>();
        final Map<String, Long> last = new ConcurrentHashMap<>();
        final Set<String> done = ConcurrentHashMap.newKeySet();
        final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        final List<String> problems = new CopyOnWriteArrayList<>();

        @Override
        public void run() {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            int node = 0;
            while (System.nanoTime() < deadline && !(stop.get() && newJobs.isEmpty() && done.size() == last.size())) {
                try (StreamClient client = StreamClient.connect(new Api(ports[node]), ports[node], Api.ADMIN_TOKEN)) {
                    subscribe(
                            client,
                            last.keySet().stream()
                                    .filter(id -> !done.contains(id))
                                    .toList());
                    follow(client, deadline);
                    if (client.closed()) {
                        closeCodes.add(client.closeCode(Duration.ZERO));
                        node = 1 - node;
                    }
                } catch (Exception nodeDown) {
                    node = 1 - node;
                    pause(200);
                }
            }
            if (done.size() != last.size()) {
                problems.add("did not see the end of " + (last.size() - done.size()) + " job(s)");
            }
        }

        private void follow(StreamClient client, long deadline) throws Exception {
            while (!client.closed()
                    && System.nanoTime() < deadline
                    && !(stop.get() && newJobs.isEmpty() && done.size() == last.size())) {
                List<String> fresh = new ArrayList<>();
                newJobs.drainTo(fresh);
                fresh.forEach(id -> last.put(id, 0L));
                // A job run on the other node arrives live too: every node announces its events to the others.
                subscribe(client, fresh);
                JsonNode message;
                while ((message = client.next(Duration.ofMillis(100))) != null) {
                    if (message.path("type").asString("").equals("event")) {
                        take(message);
                    } else if (message.path("type").asString("").equals("error")) {
                        problems.add("error message: " + message);
                    }
                }
            }
        }

        private void subscribe(StreamClient client, List<String> jobs) {
            if (jobs.isEmpty()) {
                return;
            }
            List<String> items = jobs.stream()
                    .map(id -> "{\"id\":\"" + id + "\",\"after\":" + last.get(id) + "}")
                    .toList();
            client.send("{\"type\":\"subscribe\",\"jobs\":[" + String.join(",", items) + "]}");
        }

        private void take(JsonNode event) {
            String id = event.get("job").asString();
            long seq = event.get("seq").asLong();
            long have = last.getOrDefault(id, 0L);
            if (seq <= have) {
                return; // a replay overlapping what arrived live: seen already
            }
            if (seq != have + 1) {
                problems.add("gap in " + id + ": had " + have + ", got " + seq);
            }
            last.put(id, seq);
            if (event.get("kind").asString().equals("state")
                    && event.get("data").get("state").asString().equals("succeeded")) {
                done.add(id);
            }
        }
    }

    /**
     * A tus client sending one file slowly, starting on node A; when a drain stops its PATCH (or the
     * connection goes) it asks the other node where to go on. A PATCH a drain stopped has let go of
     * the upload, so the next one is never refused as locked (423).
     */
    private final class Uploader implements Runnable {
        final List<Long> resumedFrom = new CopyOnWriteArrayList<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        volatile String fileId;
        private final Path content;

        Uploader(Path content) {
            this.content = content;
        }

        @Override
        public void run() {
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            int node = 0;
            String upload = new TusRequests(new Api(ports[node]), Api.ADMIN_TOKEN)
                    .create(UPLOAD_SIZE, Map.of("filename", "big.bin"));
            boolean cut = false;
            while (fileId == null && System.nanoTime() < deadline) {
                Api api = new Api(ports[node]);
                try {
                    Api.Response head = api.send(api.request(upload, Api.ADMIN_TOKEN)
                            .header("Tus-Resumable", "1.0.0")
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .build());
                    if (head.status() != 200) {
                        throw new UncheckedIOException(new IOException("HEAD answered " + head.status()));
                    }
                    long offset = Long.parseLong(head.header("Upload-Offset").orElseThrow());
                    if (offset == UPLOAD_SIZE) {
                        fileId = head.header("Kiln-File-Id").orElseThrow();
                        break;
                    }
                    if (cut) {
                        resumedFrom.add(offset);
                        cut = false;
                    }
                    Api.Response patched = api.send(api.request(upload, Api.ADMIN_TOKEN)
                            .timeout(Duration.ofMinutes(3))
                            .header("Tus-Resumable", "1.0.0")
                            .header("Upload-Offset", Long.toString(offset))
                            .header("Content-Type", "application/offset+octet-stream")
                            .method(
                                    "PATCH",
                                    HttpRequest.BodyPublishers.fromPublisher(
                                            HttpRequest.BodyPublishers.ofInputStream(() -> slowly(content, offset)),
                                            UPLOAD_SIZE - offset))
                            .build());
                    if (patched.status() == 204) {
                        fileId = patched.header("Kiln-File-Id").orElse(null);
                    } else if (patched.status() == 503 && patched.code().equals("shutting_down")) {
                        cut = true; // stopped by the drain at a durable offset: go on at the other node
                        node = 1 - node;
                    } else {
                        problems.add("PATCH answered " + patched);
                        return;
                    }
                } catch (UncheckedIOException nodeGone) {
                    cut = true;
                    node = 1 - node;
                    pause(200);
                }
            }
            if (fileId == null) {
                problems.add("the upload did not complete");
            }
        }
    }

    /** The file from {@code offset}, at most {@link #UPLOAD_BYTES_PER_SECOND}. */
    private static InputStream slowly(Path file, long offset) {
        try {
            FileChannel channel = FileChannel.open(file);
            channel.position(offset);
            return new InputStream() {
                private final long startedAt = System.nanoTime();
                private long sent;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] buffer, int from, int length) throws IOException {
                    long due = startedAt + sent * 1_000_000_000L / UPLOAD_BYTES_PER_SECOND;
                    LockSupport.parkNanos(due - System.nanoTime());
                    int n = channel.read(ByteBuffer.wrap(buffer, from, Math.min(length, 64 * 1024)));
                    if (n > 0) {
                        sent += n;
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path randomFile() throws IOException {
        Path file = Files.createTempFile("kiln-rolling-", ".bin");
        file.toFile().deleteOnExit();
        byte[] bytes = new byte[UPLOAD_SIZE];
        new Random(42).nextBytes(bytes);
        Files.write(file, bytes);
        return file;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
