package dev.kiln.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Nginx;
import dev.kiln.testing.SelfSignedTls;
import dev.kiln.testing.SseClient;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.TestDatabases;
import dev.kiln.uploads.TusRequests;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Kiln behind Debian's nginx configured by {@code deploy/nginx/kiln.conf} — the file docs/deploy.md
 * gives, read here with only its listen lines and {@code proxy_read_timeout} changed — with TLS at
 * nginx, in front of one node and then of two on one PostgreSQL and one data directory. nginx gives
 * up on a connection quiet for {@link #PROXY_TIMEOUT}, less than the test job's quiet spells: only
 * Kiln's keep-alives (WebSocket pings, SSE comments, every {@link #KEEP_ALIVE}) keep live streams
 * open through it. nginx reaches Kiln from 127.0.0.2, the one address Kiln trusts for
 * {@code X-Forwarded-*}; the test's clients come from other loopback addresses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class) // twoNodes… last: its second node starts meanwhile
class BehindNginxTest {

    private static final Duration PROXY_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);
    private static final int QUIET_MILLIS = 4500;
    private static final long UPLOAD_SIZE = 200L << 20;
    private static final String PROXY_ADDRESS = "127.0.0.2";
    private static final Duration SOON = Duration.ofSeconds(10);
    private static final Map<String, String> SETTINGS = Map.ofEntries(
            Map.entry("kiln.stream.ping-interval", KEEP_ALIVE.toSeconds() + "s"),
            Map.entry("kiln.stream.sse-heartbeat", KEEP_ALIVE.toSeconds() + "s"),
            Map.entry("server.tomcat.remoteip.internal-proxies", PROXY_ADDRESS + "/32"),
            Map.entry("kiln.limits.anonymous-requests", "4"),
            // A user's second job waits for the first: the followed job is held until its followers are in.
            Map.entry("kiln.limits.max-running-jobs", "1"),
            Map.entry("kiln.workers.poll-interval", "200ms"),
            Map.entry("logging.level.dev.kiln", "WARN"));

    private String database;
    private Path home;
    private Path work;
    private SelfSignedTls tls;
    private KilnProcess a;
    private CompletableFuture<KilnProcess> b;
    private Proxy proxy;

    /** nginx in front of some nodes, on a TLS port and a plain one (which only redirects). */
    private record Proxy(Nginx nginx, int https, int http) implements AutoCloseable {
        String base() {
            return "https://127.0.0.1:" + https;
        }

        @Override
        public void close() {
            nginx.close();
        }
    }

    @BeforeAll
    void startOneNodeBehindNginx() throws Exception {
        Nginx.assumeInstalled();
        database = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        home = TestDatabases.tempDir("kiln-behind-nginx-");
        work = TestDatabases.tempDir("kiln-nginx-");
        tls = SelfSignedTls.create(work.resolve("tls"));
        a = warm(KilnProcess.start(database, home, SETTINGS));
        proxy = proxy("one", a);
        // The two-node test (the last) gets its second node, started while the others run. It shares
        // the database, so it may run their jobs: for them, what counts is what stands behind nginx.
        b = CompletableFuture.supplyAsync(() -> warm(KilnProcess.start(database, home, SETTINGS)));
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        KilnProcess second = b == null ? null : b.handle((node, failed) -> node).join();
        if (second != null) {
            second.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void followersSeeEveryEventThroughQuietSpellsLongerThanTheProxyTimeout() throws Exception {
        follow(proxy);
    }

    @Test
    void anUploadOf200MbCutByTheClientResumesThroughTheProxy() throws Exception {
        uploadCutAndResumed(proxy, () -> {
            throw new IOException("the client went away");
        });
    }

    @Test
    void plainHttpIsSentToHttps() {
        Api plain = new Api("http://127.0.0.1:" + proxy.http());
        Api.Response answer = plain.get("/api/v1/processors", null);
        assertThat(answer.status()).isEqualTo(301);
        assertThat(answer.header("Location").orElseThrow()).startsWith("https://127.0.0.1");
    }

    @Test
    void limitsAndTheAuditLogSeeTheClientBehindTheTrustedProxyAndIgnoreForgedHeaders() {
        Api alice = through(proxy, "127.0.0.3");
        Api bob = through(proxy, "127.0.0.4");
        Api direct = new Api("http://127.0.0.1:" + a.port(), client("127.0.0.5"));
        // Without a token: the request rate is counted per client address (4 a minute here).
        String anonymous = "/api/v1/files/file_aaaaaaaaaaaaaaaaaaaaaaaaaa/content?expires=1&sig=wrong";
        for (int left = 3; left >= 0; left--) {
            assertThat(alice.get(anonymous, null).header("RateLimit").orElseThrow())
                    .as("each client has a budget of its own, not one shared as the proxy's")
                    .startsWith("\"anonymous-requests\";r=" + left + ";");
        }
        Api.Response pretending = alice.send(alice.request(anonymous, null)
                .header("X-Forwarded-For", "127.0.0.4")
                .GET()
                .build());
        assertThat(pretending.status())
                .as("a client's own X-Forwarded-For through the proxy: nginx adds the real address, which counts")
                .isEqualTo(429);
        assertThat(bob.get(anonymous, null).header("RateLimit").orElseThrow())
                .startsWith("\"anonymous-requests\";r=3;");
        Api.Response forged = direct.send(direct.request(anonymous, null)
                .header("X-Forwarded-For", "127.0.0.4")
                .GET()
                .build());
        assertThat(forged.header("RateLimit").orElseThrow())
                .as("sent straight to Kiln, X-Forwarded-For is ignored: 127.0.0.5 counts as itself")
                .startsWith("\"anonymous-requests\";r=3;");
        assertThat(bob.get(anonymous, null).header("RateLimit").orElseThrow())
                .startsWith("\"anonymous-requests\";r=2;");

        String member = alice.newMember("proxied-" + UUID.randomUUID());
        String memberId = alice.userId(member);
        assertThat(alice.post("/api/v1/me/tokens", member, "{\"label\":\"through the proxy\"}")
                        .status())
                .isEqualTo(201);
        assertThat(direct.post(
                                "/api/v1/me/tokens",
                                member,
                                "{\"label\":\"straight\"}",
                                Map.of("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"))
                        .status())
                .isEqualTo(201);
        List<String> addresses = new ArrayList<>();
        alice.get("/api/v1/admin/audit?action=token.issued&actor=" + memberId, Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .forEach(entry -> addresses.add(entry.get("ip").asString()));
        assertThat(addresses).as("newest first").containsExactly("127.0.0.5", "127.0.0.3");

        // X-Forwarded-Proto: through the TLS proxy Kiln knows it is served over https.
        Api.Response secure = alice.get("/api/v1/openapi.json", member);
        assertThat(secure.header("Strict-Transport-Security")).as("%s", secure).isPresent();
        assertThat(secure.json().get("servers").get(0).get("url").asString()).isEqualTo(proxy.base());
        Api.Response claimed = direct.send(direct.request("/api/v1/openapi.json", member)
                .header("X-Forwarded-Proto", "https")
                .GET()
                .build());
        assertThat(claimed.header("Strict-Transport-Security")).isEmpty();
        assertThat(claimed.json().get("servers").get(0).get("url").asString())
                .isEqualTo("http://127.0.0.1:" + a.port());
    }

    @Test
    void twoNodesBehindOneProxy() throws Exception {
        KilnProcess b = this.b.join();
        try (Proxy both = proxy("two", a, b)) {
            follow(both);
            // nginx stopped (every connection cut) mid-upload and started again; the rest may well
            // go to the other node.
            uploadCutAndResumed(both, both.nginx()::stop);
            String log = both.nginx().accessLog();
            assertThat(log)
                    .as("both nodes served requests")
                    .contains("127.0.0.1:" + a.port())
                    .contains("127.0.0.1:" + b.port());
        }
    }

    /**
     * The official {@code openai} npm client through the proxy (web/e2e/openai-proxy.e2e.mjs): each
     * transcription's job is held in its owner's queue past the proxy's timeout, and the answer
     * (sent only once the job is done) and the stream still arrive whole.
     */
    @Test
    void theOpenAiClientGetsTranscriptionsWhoseJobsWaitLongerThanTheProxyTimeout() throws Exception {
        Api api = through(proxy, "127.0.0.1");
        String member = api.newMember("openai-" + UUID.randomUUID());
        String file = api.textFile(member, "holds the queue");
        String[] holder = new String[1];
        BrowserScript.mustPass(
                () -> a,
                "openai-proxy.e2e.mjs",
                Duration.ofMinutes(4),
                List.of(
                        "--base",
                        proxy.base(),
                        "--token",
                        member,
                        "--speech",
                        Fixtures.path("speech.wav").toString(),
                        "--proxy-timeout",
                        String.valueOf(PROXY_TIMEOUT.toMillis())),
                Map.of("NODE_EXTRA_CA_CERTS", tls.certificate().toString()),
                line -> switch (line) {
                    case "HOLD" -> {
                        holder[0] = api.submit(member, "test-gate", file, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
                        await().atMost(SOON)
                                .until(() -> api.state(member, holder[0]).equals("running"));
                        yield "held";
                    }
                    case "ASKED" -> {
                        // The transcription is queued behind the holder; it stays so past the timeout.
                        await().pollDelay(PROXY_TIMEOUT.plusSeconds(1))
                                .atMost(PROXY_TIMEOUT.plus(SOON))
                                .until(() -> api.get("/api/v1/jobs?state=queued&type=transcribe", member)
                                                .json()
                                                .get("items")
                                                .size()
                                        == 1);
                        assertThat(api.postEmpty("/api/v1/jobs/" + holder[0] + "/cancel", member)
                                        .status())
                                .isEqualTo(202);
                        yield null;
                    }
                    default -> null;
                });
    }

    /**
     * A WebSocket (opened as a page of Kiln's own origin would) and an SSE stream follow a job whose
     * progress pauses longer than the proxy's timeout, each on one connection: every event arrives,
     * in order, none missing.
     */
    private void follow(Proxy proxy) throws Exception {
        HttpClient http = client("127.0.0.1");
        Api api = new Api(proxy.base(), http);
        String token = api.newMember("follower-" + UUID.randomUUID());
        String file = api.textFile(token, "quiet spells");
        String holder = api.submit(token, "test-gate", file, "{\"gate\":\"" + UUID.randomUUID() + "\"}");
        await().atMost(SOON).until(() -> api.state(token, holder).equals("running"));
        String job = api.submit(token, "test-ticker", file, "{\"count\":2,\"intervalMs\":" + QUIET_MILLIS + "}");
        URI stream = URI.create(
                "wss://127.0.0.1:" + proxy.https() + "/api/v1/stream?ticket=" + StreamClient.ticket(api, token));
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                StreamClient socket = StreamClient.open(http, stream, proxy.base());
                SseClient sse = SseClient.open(http, api.request("/api/v1/jobs/" + job + "/events", token))) {
            socket.await("welcome", SOON);
            socket.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\",\"after\":0}]}");
            socket.await("subscribed", SOON);
            Future<Followed> followedBySocket = threads.submit(() -> Followed.socket(socket));
            Future<Followed> followedBySse = threads.submit(() -> Followed.sse(sse));
            assertThat(api.postEmpty("/api/v1/jobs/" + holder + "/cancel", token)
                            .status())
                    .as("the job starts once its followers are in")
                    .isEqualTo(202);
            Followed bySocket = followedBySocket.get(1, TimeUnit.MINUTES);
            Followed bySse = followedBySse.get(1, TimeUnit.MINUTES);
            long last = api.job(token, job).get("seq").asLong();
            List<Long> all = LongStream.rangeClosed(1, last).boxed().toList();
            assertThat(bySocket.seqs()).as("WebSocket").containsExactlyElementsOf(all);
            assertThat(bySse.seqs()).as("SSE").containsExactlyElementsOf(all);
            for (Followed followed : List.of(bySocket, bySse)) {
                assertThat(followed.longestQuiet())
                        .as("a quiet spell longer than the proxy's timeout was crossed")
                        .isGreaterThan(PROXY_TIMEOUT);
                assertThat(followed.keepAlives()).isGreaterThanOrEqualTo(2);
            }
            assertThat(socket.closed()).as("the socket is still open").isFalse();
            assertThat(sse.endsWithin(SOON))
                    .as("Kiln ends the stream after the last event")
                    .isTrue();
        }
    }

    /** What one client saw of a job until its end: the seqs, the longest wait between two, the keep-alives. */
    private record Followed(List<Long> seqs, Duration longestQuiet, int keepAlives) {

        private static final Duration PATIENCE = Duration.ofMillis(QUIET_MILLIS).plus(SOON);

        static Followed socket(StreamClient socket) throws Exception {
            List<Long> seqs = new ArrayList<>();
            long previous = System.nanoTime();
            long longest = 0;
            int pings = 0;
            while (true) {
                JsonNode message = socket.next(PATIENCE);
                if (message == null) {
                    throw new AssertionError("the socket went quiet after " + seqs + " (closed: "
                            + (socket.closed() ? socket.closeCode(SOON) : "no") + ")");
                }
                if (message.path("type").asString("").equals("ping")) {
                    pings++;
                } else if (message.path("type").asString("").equals("event")) {
                    seqs.add(message.get("seq").asLong());
                    longest = Math.max(longest, System.nanoTime() - previous);
                    previous = System.nanoTime();
                    if (isTheEnd(message)) {
                        return new Followed(seqs, Duration.ofNanos(longest), pings);
                    }
                }
            }
        }

        static Followed sse(SseClient sse) throws Exception {
            List<Long> seqs = new ArrayList<>();
            long previous = System.nanoTime();
            long longest = 0;
            while (true) {
                SseClient.Event event = sse.next(PATIENCE);
                if (event == null) {
                    throw new AssertionError("the stream went quiet after " + seqs + " (ended: " + sse.ended() + ")");
                }
                seqs.add(event.id());
                longest = Math.max(longest, System.nanoTime() - previous);
                previous = System.nanoTime();
                if (isTheEnd(event.data())) {
                    return new Followed(seqs, Duration.ofNanos(longest), sse.comments());
                }
            }
        }

        private static boolean isTheEnd(JsonNode event) {
            return event.get("kind").asString().equals("state")
                    && List.of("succeeded", "failed", "cancelled")
                            .contains(event.get("data").get("state").asString());
        }
    }

    /** What cuts an upload once half of it is sent. */
    private interface Cut {
        void happen() throws IOException;
    }

    /**
     * 200 MB with tus through the proxy, made on the fly: cut half-way, then resumed as a tus client
     * does (HEAD, PATCH the rest); the stored file has the sha256 of what was sent.
     */
    private void uploadCutAndResumed(Proxy proxy, Cut cut) throws Exception {
        Api api = new Api(proxy.base(), client("127.0.0.1"));
        TusRequests tus = new TusRequests(api, Api.ADMIN_TOKEN);
        long seed = ThreadLocalRandom.current().nextLong();
        String expected = TestBytes.sha256(TestBytes.generated(seed, 0, UPLOAD_SIZE));
        String upload = tus.create(UPLOAD_SIZE, Map.of("filename", "big.bin"));
        long half = UPLOAD_SIZE / 2;
        // The cut runs on the client's sending thread; the failed send may reach this one before the
        // cut has finished (nginx still exiting), so wait for it before looking.
        CountDownLatch cutOver = new CountDownLatch(1);
        InputStream cutHalfWay = new FilterInputStream(TestBytes.generated(seed, 0, UPLOAD_SIZE)) {
            private long sent;
            private boolean cutDone;

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (sent >= half && !cutDone) {
                    cutDone = true;
                    try {
                        cut.happen();
                    } finally {
                        cutOver.countDown();
                    }
                }
                int n = super.read(buffer, offset, (int) Math.min(length, Math.max(1, half - sent)));
                sent += Math.max(n, 0);
                return n;
            }
        };
        try {
            Api.Response answer = tus.patch(upload, 0, cutHalfWay, UPLOAD_SIZE);
            throw new AssertionError("the cut upload was answered: " + answer);
        } catch (UncheckedIOException expectedCut) {
            // the connection is gone, as it should be
        }
        assertThat(cutOver.await(1, TimeUnit.MINUTES)).as("the cut is over").isTrue();
        if (!proxy.nginx().isRunning()) {
            proxy.nginx().startAgain();
        }
        // Resumed by a new client, as after the uploader's own restart: the cut one's connections
        // died with the proxy and the JDK client does not always recover its pool from that.
        TusRequests resumed = new TusRequests(new Api(proxy.base(), client("127.0.0.1")), Api.ADMIN_TOKEN);
        String file = resume(resumed, upload, seed, half);
        JsonNode stored = api.get("/api/v1/files/" + file, Api.ADMIN_TOKEN).json();
        assertThat(stored.get("size").asLong()).isEqualTo(UPLOAD_SIZE);
        assertThat(stored.get("sha256").asString()).isEqualTo(expected);
    }

    /**
     * HEAD, then PATCH the rest from there. The cut write may not have let go of the upload yet
     * (423) or may have made more of it durable since the HEAD (409): then ask again.
     */
    private static String resume(TusRequests tus, String upload, long seed, long cutAt) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<String> tries = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            // A client resuming after the proxy's restart tries again while its connection fails.
            long offset = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                    .until(() -> tus.offset(upload), o -> true);
            assertThat(offset)
                    .as("what arrived before the cut is kept")
                    .isPositive()
                    .isLessThanOrEqualTo(cutAt);
            Api.Response answer =
                    tus.patch(upload, offset, TestBytes.generated(seed, offset, UPLOAD_SIZE), UPLOAD_SIZE - offset);
            tries.add(offset + " → " + answer.status());
            if (answer.status() == 204) {
                System.out.printf("upload cut at %d MiB, resumed: %s%n", cutAt >> 20, tries);
                return answer.header("Kiln-File-Id").orElseThrow();
            }
            assertThat(answer.status()).as("%s", answer).isIn(409, 423);
        }
        throw new AssertionError("the upload did not resume: " + tries);
    }

    /**
     * A node's first answers of some kinds (the API description, a file's type sniffed) take seconds
     * on a busy machine: longer than this test's proxy timeout, so they are asked for directly first.
     */
    private static KilnProcess warm(KilnProcess node) {
        try {
            Api api = node.api();
            assertThat(api.get("/api/v1/openapi.json", Api.ADMIN_TOKEN).status())
                    .isEqualTo(200);
            api.textFile(Api.ADMIN_TOKEN, "warming up");
            TusRequests tus = new TusRequests(api, Api.ADMIN_TOKEN);
            String upload = tus.create(3, Map.of("filename", "warm.txt"));
            assertThat(tus.patch(upload, 0, "hi\n".getBytes(StandardCharsets.UTF_8))
                            .status())
                    .isEqualTo(204);
            return node;
        } catch (RuntimeException | AssertionError e) {
            node.close();
            throw e;
        }
    }

    private Proxy proxy(String name, KilnProcess... nodes) throws IOException {
        Path dir = work.resolve(name);
        Files.createDirectories(dir.resolve("tls"));
        Files.copy(tls.certificate(), dir.resolve("tls/kiln.crt"));
        Files.copy(tls.key(), dir.resolve("tls/kiln.key"));
        StringBuilder upstreams = new StringBuilder();
        for (KilnProcess node : nodes) {
            upstreams.append("server 127.0.0.1:").append(node.port()).append(";\n");
        }
        Files.writeString(dir.resolve("kiln-nodes.conf"), upstreams);
        int https = KilnProcess.freePort();
        int http = KilnProcess.freePort();
        Files.writeString(dir.resolve("site.conf"), site(https, http));
        return new Proxy(Nginx.start(dir, "proxy_bind " + PROXY_ADDRESS + ";", https), https, http);
    }

    /** deploy/nginx/kiln.conf on the test's ports (on loopback) and with the test's timeout. */
    private static String site(int https, int http) throws IOException {
        String site = Files.readString(Path.of("deploy/nginx/kiln.conf"));
        site = once(site, "    listen 80;\n", "    listen 127.0.0.1:" + http + ";\n");
        site = once(site, "    listen 443 ssl;\n", "    listen 127.0.0.1:" + https + " ssl;\n");
        return once(site, "proxy_read_timeout 60s;", "proxy_read_timeout " + PROXY_TIMEOUT.toSeconds() + "s;");
    }

    private static String once(String text, String line, String replacement) {
        int at = text.indexOf(line);
        assertThat(at).as("deploy/nginx/kiln.conf has %s", line.strip()).isNotNegative();
        assertThat(text.indexOf(line, at + 1)).as("once: %s", line.strip()).isNegative();
        return text.replace(line, replacement);
    }

    private Api through(Proxy proxy, String clientAddress) {
        return new Api(proxy.base(), client(clientAddress));
    }

    /** A client on its own loopback address, trusting the test's certificate. */
    private HttpClient client(String localAddress) {
        try {
            return HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .sslContext(tls.context())
                    .localAddress(InetAddress.getByName(localAddress))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
