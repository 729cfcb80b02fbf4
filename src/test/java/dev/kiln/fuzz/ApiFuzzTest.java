package dev.kiln.fuzz;

import static dev.kiln.fuzz.Inputs.below;
import static dev.kiln.fuzz.Inputs.chance;
import static dev.kiln.fuzz.Inputs.pick;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.quicktheories.QuickTheory.qt;

import dev.kiln.api.ErrorCode;
import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.quicktheories.core.Gen;
import tools.jackson.databind.JsonNode;

/**
 * Property-based fuzzing of the API against one real Kiln on SQLite: JSON bodies, headers, query
 * strings, tus headers and WebSocket messages, generated and shrunk by QuickTheories. For every
 * request: no 5xx; a 4xx is a problem document with a {@code code}; the server still answers; and
 * a refused request changed nothing stored (compared between quiet moments, no job running).
 * A failure prints the smallest request found and the seed that replays it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiFuzzTest {

    /** Tries per property: the whole class stays well under a minute; {@code -Dkiln.fuzz.tries=1000} digs deeper. */
    private static final int TRIES = Integer.getInteger("kiln.fuzz.tries", 60);

    private static final Duration QUIET = Duration.ofSeconds(15);

    private static final List<String> CATALOGUE =
            java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
    /** kiln.stream.max-message-size (16 KB, counted in characters): past it a socket is closed with 1009. */
    private static final int MAX_MESSAGE = 16 * 1024;

    private KilnProcess kiln;
    private Api api;
    private RawHttp raw;
    private StoredState stored;
    private String token;
    private String fileId;
    private String jobId;
    private String transcriptJob;
    private String userId;
    private String uploadPath;
    private String worker;
    private String workerProcessor;
    private String workerJob;
    private String workerLease;

    /** One request as the fuzzer sends it, readable when it is the one that failed. */
    record Request(String method, String target, List<String> headers, byte[] body) {

        Request(String method, String target, List<String> headers, String body) {
            this(method, target, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            return method + " " + target + " " + printable(String.valueOf(headers)) + " body(" + body.length + ")="
                    + printable(text.length() > 300 ? text.substring(0, 300) + "…" : text);
        }

        private static String printable(String s) {
            StringBuilder out = new StringBuilder();
            s.chars()
                    .forEach(c -> out.append(
                            c < 0x20 || c >= 0x7f && c < 0xa0 || Character.isSurrogate((char) c)
                                    ? String.format("\\u%04x", c)
                                    : String.valueOf((char) c)));
            return out.toString();
        }
    }

    @BeforeAll
    void start() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.SQLITE);
        // Thousands of requests a minute from one user and one address: the rate limits (tested on their own) stay out
        // of it.
        kiln = KilnProcess.start(
                url,
                TestDatabases.tempDir("kiln-fuzz-"),
                Map.of(
                        "kiln.limits.requests",
                        "0",
                        "kiln.limits.anonymous-requests",
                        "0",
                        "kiln.limits.failed-credentials",
                        "0",
                        "kiln.limits.submissions",
                        "0",
                        "kiln.limits.max-queued-jobs",
                        "0",
                        // Webhooks to 127.0.0.1:9 may be registered, but this Kiln sends none (no traffic
                        // out, and no delivery changes what is stored between two requests).
                        "kiln.webhooks.allowed-hosts",
                        "127.0.0.1:9",
                        "kiln.webhooks.concurrency",
                        "0"));
        api = kiln.api();
        raw = new RawHttp(kiln.port());
        stored = new StoredState(url);
        token = api.newMember("fuzzer");
        // Whose role the fuzzer may change: not the fuzzer's own.
        userId = api.get("/api/v1/session", api.newMember("fuzz-target"))
                .json()
                .get("user")
                .get("id")
                .asString();
        fileId = api.textFile(token, "fuzz me");
        jobId = api.submit(token, "test-echo", fileId, "{}");
        await().atMost(QUIET).until(() -> api.state(token, jobId).equals("succeeded"));
        transcriptJob = api.submit(token, "test-transcript", fileId, "{}");
        await().atMost(QUIET).until(() -> api.state(token, transcriptJob).equals("succeeded"));
        Api.Response upload = raw.send(
                "POST",
                "/api/v1/uploads",
                List.of(
                        auth(token),
                        "Tus-Resumable: 1.0.0",
                        "Upload-Length: 1000",
                        "Upload-Metadata: filename " + Inputs.base64("fuzz.bin")),
                new byte[0]);
        assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
        uploadPath =
                java.net.URI.create(upload.header("Location").orElseThrow()).getPath();
        startWorker();
    }

    /** A worker and a job it ran to the end: its lease is spent, so every write about the job is refused. */
    private void startWorker() {
        worker = api.newWorker("fuzz-worker");
        workerProcessor = "fuzz-run";
        api.declare(worker, workerProcessor, "{\"accepts\":[\"none\"]}");
        workerJob = api.post("/api/v1/jobs", token, "{\"type\":\"fuzz-run\"}")
                .json()
                .get("id")
                .asString();
        JsonNode claim = api.post("/api/v1/worker/claim", worker, "{\"worker\":\"f\",\"processors\":[\"fuzz-run\"]}")
                .json()
                .get("jobs")
                .get(0);
        workerLease = claim.get("lease").asString();
        assertThat(api.post(
                                "/api/v1/worker/jobs/" + workerJob + "/complete",
                                worker,
                                "{\"lease\":\"" + workerLease + "\"}")
                        .status())
                .isEqualTo(200);
    }

    @AfterAll
    void stop() throws Exception {
        if (stored != null) {
            stored.close();
        }
        if (kiln != null) {
            kiln.close();
        }
    }

    @Test
    void jobSubmissions() {
        fuzz(Inputs.jobBodies(fileId)
                .map(body -> new Request(
                        "POST", "/api/v1/jobs", List.of(auth(token), "Content-Type: application/json"), body)));
    }

    /** A bad batch stores nothing: no batch, no job. */
    @Test
    void batchSubmissions() {
        fuzz(Inputs.batchBodies(fileId)
                .map(body -> new Request(
                        "POST", "/api/v1/batches", List.of(auth(token), "Content-Type: application/json"), body)));
    }

    /** A refused registration stores no webhook; the address rules answer 400 or 422, never 500. */
    @Test
    void webhookRegistrations() {
        fuzz(Inputs.webhookBodies()
                .map(body -> new Request(
                        "POST", "/api/v1/webhooks", List.of(auth(token), "Content-Type: application/json"), body)));
    }

    @Test
    void workerProtocol() {
        fuzz(Inputs.declarationBodies()
                .map(body -> new Request(
                        "PUT",
                        "/api/v1/worker/processors/fuzz-declared",
                        List.of(auth(worker), "Content-Type: application/json"),
                        body)));
        fuzz(in -> {
            String call = pick(in, "heartbeat", "progress", "partials", "complete", "fail", "release", "claim");
            String target = call.equals("claim")
                    ? "/api/v1/worker/claim"
                    : "/api/v1/worker/jobs/" + pick(in, workerJob, workerJob, jobId, "job_" + "a".repeat(26)) + "/"
                            + call;
            return new Request(
                    "POST",
                    target,
                    List.of(auth(worker), "Content-Type: application/json"),
                    Inputs.workerCallBodies(workerLease, workerProcessor).generate(in));
        });
        fuzz(in -> new Request(
                "POST",
                "/api/v1/worker/" + pick(in, "heartbeat", "complete", "fail"),
                List.of(auth(worker), "Content-Type: application/json"),
                Inputs.workerBatchBodies(workerLease, workerJob, jobId, "job_" + "a".repeat(26))
                        .generate(in)));
    }

    /**
     * Result file uploads about a job the worker no longer holds (every one is refused, so none may
     * store anything), with names, lease headers and media types of every sort; and the owner's reads.
     */
    @Test
    void resultFiles() {
        fuzz(in -> {
            String job = pick(in, workerJob, workerJob, jobId, "job_" + "a".repeat(26));
            String name = pick(
                    in, "out.txt", "a", ".hidden", "x".repeat(129), "a%2Fb", "..", Inputs.encode(Inputs.text(in, 140)));
            if (chance(in, 25)) {
                return new Request(
                        "GET",
                        "/api/v1/jobs/" + job + "/files" + (chance(in, 50) ? "" : "/" + name),
                        List.of(
                                auth(token),
                                "Range: " + pick(in, "bytes=0-1", "bytes=9-2", Inputs.headerValue(in, 20))),
                        new byte[0]);
            }
            List<String> headers = new ArrayList<>(List.of(auth(worker)));
            if (chance(in, 80)) {
                headers.add("Kiln-Lease: " + pick(in, workerLease, workerLease, "", Inputs.headerValue(in, 250)));
            }
            if (chance(in, 70)) {
                headers.add("Content-Type: "
                        + pick(
                                in,
                                "text/plain",
                                "application/octet-stream",
                                "application/x-www-form-urlencoded",
                                "multipart/form-data; boundary=x",
                                "text/*",
                                "",
                                "a/b;c",
                                Inputs.headerValue(in, 30)));
            }
            byte[] body = new byte[below(in, 64)];
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) below(in, 256);
            }
            return new Request("PUT", "/api/v1/worker/jobs/" + job + "/files/" + name, headers, body);
        });
    }

    @Test
    void resultEdits() {
        fuzz(in -> new Request(
                "PATCH",
                "/api/v1/jobs/" + pick(in, transcriptJob, transcriptJob, transcriptJob, jobId, "job_" + "a".repeat(26))
                        + "/result",
                List.of(auth(token), "Content-Type: application/json"),
                Inputs.editBodies().generate(in)));
    }

    @Test
    void userCreation() {
        fuzz(Inputs.userBodies()
                .map(body -> new Request(
                        "POST",
                        "/api/v1/admin/users",
                        List.of(auth(Api.ADMIN_TOKEN), "Content-Type: application/json"),
                        body)));
    }

    @Test
    void signInsTokensAndRoles() {
        fuzz(Inputs.tokenBodies()
                .map(body -> new Request("POST", "/api/v1/session", List.of("Content-Type: application/json"), body)));
        fuzz(Inputs.tokenBodies()
                .map(body -> new Request(
                        "POST", "/api/v1/me/tokens", List.of(auth(token), "Content-Type: application/json"), body)));
        fuzz(Inputs.userBodies()
                .map(body -> new Request(
                        "PATCH",
                        "/api/v1/admin/users/" + userId,
                        List.of(auth(Api.ADMIN_TOKEN), "Content-Type: application/json"),
                        body)));
    }

    @Test
    void headersOnASubmission() {
        fuzz(in -> {
            List<String> headers = new ArrayList<>();
            if (chance(in, 70)) {
                headers.add("Authorization: "
                        + pick(
                                in,
                                "Bearer " + token,
                                "Bearer " + token,
                                "Bearer kiln_" + Inputs.visible(in, 52),
                                "Bearer",
                                "Bearer  " + token + " x",
                                "Basic " + Inputs.base64("a:b"),
                                "bearer " + token,
                                Inputs.headerValue(in, 40)));
            }
            if (chance(in, 70)) {
                headers.add("Content-Type: "
                        + pick(
                                in,
                                "application/json",
                                "application/json; charset=UTF-8",
                                "application/json;charset=UTF-16",
                                "application/json;charset=bogus",
                                "text/plain",
                                "application/xml",
                                "",
                                "application/",
                                "*/*",
                                "multipart/form-data",
                                "application/x-www-form-urlencoded",
                                "application/merge-patch+json",
                                Inputs.headerValue(in, 30)));
            }
            if (chance(in, 50)) {
                headers.add("Accept: "
                        + pick(
                                in,
                                "application/json",
                                "text/html",
                                "application/xml",
                                "*/*",
                                "application/problem+json",
                                "",
                                "a/b;q=x",
                                "text/event-stream",
                                "application/json;q=0",
                                Inputs.headerValue(in, 30)));
            }
            if (chance(in, 50)) {
                headers.add("Idempotency-Key: "
                        + pick(
                                in,
                                Inputs.visible(in, 40),
                                Inputs.visible(in, 300),
                                "",
                                "a b",
                                Inputs.headerValue(in, 40)));
            }
            if (chance(in, 20)) {
                // Not Transfer-Encoding: framing is Tomcat's, and RFC 9112 has it answer an unknown coding with 501.
                headers.add(pick(
                        in,
                        "Content-Encoding: gzip",
                        "Expect: 100-continue",
                        "X-HTTP-Method-Override: DELETE",
                        "Origin: null",
                        "Cookie: a=b"));
            }
            String job = "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + fileId + "\"}}";
            return new Request("POST", "/api/v1/jobs", headers, chance(in, 70) ? job : Inputs.broken(in, job));
        });
    }

    @Test
    void rangesOnFileContent() {
        fuzz(in -> new Request(
                "GET",
                "/api/v1/files/" + fileId + "/content",
                List.of(
                        auth(token),
                        "Range: "
                                + pick(
                                        in,
                                        "bytes=0-0",
                                        "bytes=5-2",
                                        "bytes=-0",
                                        "bytes=0-",
                                        "bytes=999999-",
                                        "bytes=abc",
                                        "items=0-1",
                                        "bytes=0-1,2-3",
                                        "",
                                        "bytes=-99999999999999999999",
                                        "bytes=0-1,".repeat(200) + "0-1",
                                        "bytes=" + Inputs.number(in) + "-" + Inputs.number(in),
                                        Inputs.headerValue(in, 30))),
                new byte[0]));
    }

    @Test
    void queryStrings() {
        fuzz(in -> {
            String path = pick(
                    in,
                    "/api/v1/jobs",
                    "/api/v1/jobs/counts",
                    "/api/v1/jobs/" + jobId + "/events",
                    "/api/v1/jobs/" + jobId + "/result",
                    "/api/v1/files/" + fileId + "/content",
                    "/api/v1/files/" + fileId,
                    "/api/v1/files",
                    "/api/v1/me/usage",
                    "/api/v1/batches",
                    "/api/v1/batches/batch_" + "a".repeat(26),
                    "/api/v1/batches/batch_" + "a".repeat(26) + "/download",
                    "/api/v1/processors",
                    "/api/v1/search",
                    "/api/v1/webhooks",
                    "/api/v1/webhooks/wh_" + "a".repeat(26) + "/deliveries");
            return new Request(
                    "GET",
                    path + "?" + Inputs.query(in),
                    List.of(auth(token), "Accept: application/json"),
                    new byte[0]);
        });
    }

    /** Any search text (quotes, operators, control characters, any script), with any other parameters. */
    @Test
    void searchQueries() {
        fuzz(in -> new Request(
                "GET",
                "/api/v1/search?q=" + Inputs.encode(Inputs.text(in, 600)) + "&" + Inputs.query(in),
                List.of(auth(token), "Accept: application/json"),
                new byte[0]));
    }

    /** Bulk deletions name ids that are not the fuzzer's own file and job, so what stays stored is comparable. */
    @Test
    void bulkDeletions() {
        fuzz(in -> {
            String id = pick(
                    in,
                    "file_" + "c".repeat(26),
                    "job_" + "c".repeat(26),
                    Inputs.text(in, 30),
                    Inputs.visible(in, 120),
                    "");
            String body = pick(
                    in,
                    "{\"ids\":[\"" + id.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]}",
                    "{\"ids\":[]}",
                    "{\"ids\":\"" + Inputs.visible(in, 20).replace("\\", "").replace("\"", "") + "\"}",
                    "{\"ids\":[1,null,{}]}",
                    "{}",
                    "[]");
            String target = pick(in, "/api/v1/files/delete", "/api/v1/files/delete?jobs=delete", "/api/v1/jobs/delete");
            return new Request(
                    "POST",
                    target,
                    List.of(auth(token), "Content-Type: application/json"),
                    chance(in, 70) ? body : Inputs.broken(in, body));
        });
    }

    @Test
    void tusRequests() {
        fuzz(in -> {
            String method = pick(in, "POST", "PATCH", "PATCH", "HEAD", "DELETE", "OPTIONS");
            String target = method.equals("POST") || method.equals("OPTIONS")
                    ? "/api/v1/uploads"
                    : pick(
                            in,
                            uploadPath,
                            uploadPath,
                            uploadPath,
                            "/api/v1/uploads/upl_" + "a".repeat(26),
                            "/api/v1/uploads/" + Inputs.encode(Inputs.text(in, 30)));
            if (method.equals("DELETE") && target.equals(uploadPath)) {
                target = "/api/v1/uploads/upl_" + "b".repeat(26); // the shared upload stays for the other tries
            }
            byte[] body = new byte[below(in, 13)];
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) below(in, 256);
            }
            List<String> headers = new ArrayList<>(List.of(auth(token)));
            if (chance(in, 85)) {
                headers.add("Tus-Resumable: "
                        + pick(in, "1.0.0", "1.0.0", "1.0.0", "0.2.2", "", "1.0.0 ", Inputs.headerValue(in, 10)));
            }
            if (chance(in, 60)) {
                headers.add("Upload-Length: "
                        + pick(
                                in,
                                Integer.toString(1 + below(in, 12)),
                                "0",
                                "-1",
                                "99999999999999999999",
                                "abc",
                                "",
                                " 5 ",
                                "1e3",
                                Long.toString(Long.MAX_VALUE)));
            }
            if (chance(in, 70)) {
                headers.add("Upload-Offset: "
                        + pick(
                                in,
                                "CURRENT",
                                "CURRENT",
                                "0",
                                "1",
                                "-1",
                                "1000",
                                "999999999999",
                                "abc",
                                "",
                                "0x0",
                                Long.toString(Long.MAX_VALUE)));
            }
            if (chance(in, 40)) {
                headers.add("Upload-Metadata: " + Inputs.metadata(in));
            }
            if (chance(in, 40)) {
                headers.add("Upload-Checksum: "
                        + pick(
                                in,
                                "sha1 " + sha1(body),
                                "sha1 " + sha1(new byte[] {1}),
                                "md5 AAAA",
                                "sha1",
                                "sha1 !!!",
                                "sha1 " + sha1(body) + " extra",
                                "SHA1 " + sha1(body),
                                Inputs.headerValue(in, 30)));
            }
            if (chance(in, 80)) {
                headers.add("Content-Type: "
                        + pick(
                                in,
                                "application/offset+octet-stream",
                                "application/offset+octet-stream",
                                "application/octet-stream",
                                "text/plain",
                                "",
                                Inputs.headerValue(in, 20)));
            }
            if (chance(in, 10)) {
                headers.add("Upload-Defer-Length: 1");
            }
            return new Request(method, target, headers, body);
        });
    }

    @Test
    void webSocket() throws Exception {
        Map<String, String> before = quietSnapshot();
        qt().withExamples(TRIES / 2)
                .withShrinkCycles(20)
                .forAll(webSocketMessages())
                .checkAssert(message -> {
                    try (StreamClient client = StreamClient.connect(api, kiln.port(), token)) {
                        client.await("welcome", QUIET);
                        client.sendQuietly(message);
                        if (message.length() > MAX_MESSAGE) {
                            assertThat(client.closeCode(QUIET))
                                    .as("too big: closed as documented")
                                    .isEqualTo(1009);
                            return;
                        }
                        // A probe of a known kind: answered in order after whatever the message caused.
                        client.sendQuietly("{\"type\":\"fuzz-probe\"}");
                        List<JsonNode> skipped = new ArrayList<>();
                        JsonNode answer = client.await(
                                m -> m.path("type").asString("").equals("error")
                                        && m.path("code").asString("").equals("unknown_type")
                                        && m.path("message").asString("").contains("fuzz-probe"),
                                Duration.ofSeconds(5),
                                skipped);
                        assertThat(answer).isNotNull();
                        assertThat(client.closed())
                                .as("still open after " + skipped)
                                .isFalse();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
        assertThat(quietSnapshot()).as("messages change nothing stored").isEqualTo(before);
        assertAlive();
    }

    private Gen<String> webSocketMessages() {
        return in -> switch (below(in, 6)) {
            case 0, 1 -> {
                String type = pick(
                        in,
                        "\"subscribe\"",
                        "\"unsubscribe\"",
                        "\"pong\"",
                        "\"auth\"",
                        "\"ping\"",
                        "\"\"",
                        "5",
                        "null",
                        Inputs.quote(Inputs.text(in, 20)));
                List<String> members = new ArrayList<>(List.of("\"type\":" + type));
                if (chance(in, 70)) {
                    members.add("\"jobs\":"
                            + pick(
                                    in,
                                    "[\"" + jobId + "\"]",
                                    "[{\"id\":\"" + jobId + "\",\"after\":" + Inputs.number(in) + "}]",
                                    "[" + Inputs.value(in, 2) + "]",
                                    Inputs.value(in, 3),
                                    "[]",
                                    "[{\"id\":" + Inputs.quote(Inputs.text(in, 30)) + "}]"));
                }
                if (chance(in, 30)) {
                    members.add("\"mine\":" + pick(in, "true", "false", "1", "\"yes\"", "null"));
                }
                if (chance(in, 20)) {
                    members.add("\"token\":" + pick(in, Inputs.quote(token), Inputs.quote(Inputs.text(in, 60)), "5"));
                }
                if (chance(in, 20)) {
                    members.add("\"ts\":" + Inputs.number(in));
                }
                yield "{" + String.join(",", members) + "}";
            }
            case 2 -> Inputs.broken(in, "{\"type\":\"subscribe\",\"jobs\":[\"" + jobId + "\"]}");
            case 3 -> Inputs.deep(in);
            case 4 -> Inputs.value(in, 4);
            default -> Inputs.text(in, 200);
        };
    }

    /** Runs the property: every generated request keeps the promises in the class comment. */
    private void fuzz(Gen<Request> requests) {
        qt().withExamples(TRIES).withShrinkCycles(30).forAll(requests).checkAssert(this::check);
    }

    private void check(Request request) {
        Map<String, String> before = quietSnapshot();
        List<String> headers = request.headers().stream()
                .map(h -> h.replace("Upload-Offset: CURRENT", "Upload-Offset: " + currentOffset()))
                .toList();
        Api.Response response = raw.send(request.method(), request.target(), headers, request.body());

        assertThat(response.status()).as("%s → %s", request, response).isLessThan(500);
        if (response.status() >= 400) {
            assertThat(response.header("Content-Type").orElse(""))
                    .as("%s → %s", request, response)
                    .startsWith("application/problem+json");
            if (!request.method().equals("HEAD")) {
                assertThat(response.json().path("code").asString(""))
                        .as("%s → %s: a code of the catalogue (docs/errors.md)", request, response)
                        .isIn(CATALOGUE);
            }
            assertThat(stored.snapshot())
                    .as("%s → %s changed stored data", request, response)
                    .isEqualTo(before);
        }
        assertAlive();
    }

    private Map<String, String> quietSnapshot() {
        await().atMost(QUIET).pollInterval(Duration.ofMillis(20)).until(() -> stored.unfinishedJobs() == 0);
        return stored.snapshot();
    }

    private void assertAlive() {
        assertThat(api.get("/api/v1/processors", token).status())
                .as("the server still answers")
                .isEqualTo(200);
    }

    private String currentOffset() {
        return raw.send("HEAD", uploadPath, List.of(auth(token), "Tus-Resumable: 1.0.0"), new byte[0])
                .header("Upload-Offset")
                .orElse("0");
    }

    private static String auth(String token) {
        return "Authorization: Bearer " + token;
    }

    private static String sha1(byte[] bytes) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
