package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StreamClient;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every endpoint the OpenAPI document lists (so a new one cannot be forgotten: it fails here until
 * it has a row), plus the WebSocket and SSE subscriptions, × {anonymous, another member, the owner,
 * an admin, a worker} → the expected answer. Another user's resource must answer like a missing one.
 */
abstract class AuthorizationMatrixContract extends ApiTestBase {

    enum Who {
        ANONYMOUS,
        OTHER,
        OWNER,
        ADMIN,
        /** An external worker's token: the worker endpoints only. */
        WORKER
    }

    /** One client for the whole matrix: a client per request would start (and leave running) a selector thread each. */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final Pattern ID = Pattern.compile("\\b(job|file|upl|tok|usr|batch|wh|msg)_[a-z2-7]{26}\\b");

    String owner;
    String ownerId;
    String other;
    String worker;
    String workerProcessor;
    final List<String> longJobs = new ArrayList<>();

    @BeforeEach
    void people() {
        owner = api.newMember("owner-" + UUID.randomUUID());
        ownerId = api.userId(owner);
        other = api.newMember("other-" + UUID.randomUUID());
        worker = api.newWorker("worker-" + UUID.randomUUID());
        workerProcessor = "matrix-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(worker, workerProcessor, "{\"accepts\":[\"none\"]}");
    }

    @AfterEach
    void stopLongJobs() {
        longJobs.forEach(id -> api.postEmpty("/api/v1/jobs/" + id + "/cancel", Api.ADMIN_TOKEN));
    }

    /** The webhooks made here go (with their deliveries, which would go on retrying in the shared Kiln). */
    @AfterEach
    void deleteWebhooks() {
        for (String token : List.of(owner, other, Api.ADMIN_TOKEN)) {
            api.get("/api/v1/webhooks", token)
                    .json()
                    .get("items")
                    .forEach(w -> api.delete("/api/v1/webhooks/" + w.get("id").asString(), token));
        }
    }

    /** Fresh resources of the owner's, made for each request so that one request's change never decides another's answer. */
    private String file() {
        return api.textFile(owner, "matrix " + UUID.randomUUID());
    }

    /** A user of their own for each request that deletes one. */
    private String newUserId() {
        String member = api.newMember("doomed-" + UUID.randomUUID());
        return api.userId(member);
    }

    private String finishedJob() {
        String job = api.submit(owner, "test-echo", file(), "{}");
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(owner, job).equals("succeeded"));
        return job;
    }

    /** A job of the worker's processor, finished with one result file, {@code out.txt}. */
    private String jobWithResultFile() {
        String job = api.post("/api/v1/jobs", owner, "{\"type\":\"" + workerProcessor + "\"}")
                .json()
                .get("id")
                .asString();
        JsonNode claim = api.post(
                        "/api/v1/worker/claim",
                        worker,
                        "{\"worker\":\"m\",\"processors\":[\"" + workerProcessor + "\"],\"waitSeconds\":5}")
                .json()
                .get("jobs")
                .get(0);
        String lease = claim.get("lease").asString();
        assertThat(api.send(api.request("/api/v1/worker/jobs/" + job + "/files/out.txt", worker)
                                .header("Kiln-Lease", lease)
                                .header("Content-Type", "text/plain")
                                .PUT(HttpRequest.BodyPublishers.ofString("result"))
                                .build())
                        .status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/worker/jobs/" + job + "/complete", worker, "{\"lease\":\"" + lease + "\"}")
                        .status())
                .isEqualTo(200);
        return job;
    }

    private String finishedTranscript() {
        String job = api.submit(owner, "test-transcript", file(), "{}");
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(owner, job).equals("succeeded"));
        return job;
    }

    private String longJob() {
        String job = api.submit(owner, "test-sleep", file(), "{\"ms\":60000}");
        longJobs.add(job);
        return job;
    }

    private String cancelledJob() {
        String job = longJob();
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", owner);
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(owner, job).equals("cancelled"));
        return job;
    }

    /** A finished batch of the owner's: one test-echo job. */
    private String batch() {
        String batch = api.post("/api/v1/batches", owner, "{\"type\":\"test-echo\",\"files\":[\"" + file() + "\"]}")
                .json()
                .get("id")
                .asString();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.get("/api/v1/batches/" + batch, owner)
                        .json()
                        .get("finished")
                        .asBoolean());
        return batch;
    }

    private String upload() {
        Api.Response created = api.send(api.request("/api/v1/uploads", owner)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", "5")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(created.status()).isEqualTo(201);
        return created.header("Location").orElseThrow().replaceAll(".*/", "");
    }

    /**
     * An endpoint of the owner's, to an address nothing listens on (allowlisted in the tests'
     * settings), for event types no request here makes: nothing is ever sent.
     */
    private String webhook() {
        return api.post(
                        "/api/v1/webhooks",
                        owner,
                        "{\"url\":\"http://127.0.0.1:9/matrix\",\"events\":[\"job.failed\"],"
                                + "\"processors\":[\"matrix-never\"]}")
                .json()
                .get("id")
                .asString();
    }

    /** The owner's callback entry and its one delivery, "webhook/delivery" (sent to an address nothing listens on). */
    private String callbackDelivery() {
        String job = api.post(
                        "/api/v1/jobs",
                        owner,
                        "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file()
                                + "\"},\"callbackUrl\":\"http://127.0.0.1:9/matrix\"}")
                .json()
                .get("id")
                .asString();
        await().atMost(Duration.ofSeconds(15)).until(() -> api.state(owner, job).equals("succeeded"));
        String hook = api.get("/api/v1/webhooks", owner)
                .json()
                .get("items")
                .valueStream()
                .filter(w -> w.get("kind").asString().equals("callback"))
                .findFirst()
                .orElseThrow()
                .get("id")
                .asString();
        JsonNode delivery = api.get("/api/v1/webhooks/" + hook + "/deliveries", owner)
                .json()
                .get("items")
                .get(0);
        return hook + "/deliveries/" + delivery.get("id").asString();
    }

    private String ownerToken() {
        return api.post("/api/v1/me/tokens", owner, "{\"label\":\"matrix\"}")
                .json()
                .get("id")
                .asString();
    }

    private HttpRequest.Builder json(String method, String path, String body) {
        return api.request(path, null)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpRequest.Builder plain(String method, String path) {
        return api.request(path, null).method(method, HttpRequest.BodyPublishers.noBody());
    }

    private HttpRequest.Builder tus(String method, String path) {
        HttpRequest.Builder request = plain(method, path).header("Tus-Resumable", "1.0.0");
        return switch (method) {
            case "POST" -> request.header("Upload-Length", "5");
            case "PATCH" ->
                api.request(path, null)
                        .header("Tus-Resumable", "1.0.0")
                        .header("Upload-Offset", "0")
                        .header("Content-Type", "application/offset+octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("hello"));
            default -> request;
        };
    }

    /** One row: how to make the request (fresh fixtures each time) and what each caller gets. */
    record Row(Supplier<HttpRequest.Builder> request, Map<Who, Set<Integer>> expected) {}

    /** A worker's token is refused (403) wherever a credential is needed, and is nobody where none is. */
    private static Map<Who, Set<Integer>> expect(int anonymous, int other, int owner, int admin) {
        return expect(anonymous, other, owner, admin, anonymous == 401 ? 403 : anonymous);
    }

    private static Map<Who, Set<Integer>> expect(int anonymous, int other, int owner, int admin, int worker) {
        return Map.of(
                Who.ANONYMOUS,
                Set.of(anonymous),
                Who.OTHER,
                Set.of(other),
                Who.OWNER,
                Set.of(owner),
                Who.ADMIN,
                Set.of(admin),
                Who.WORKER,
                Set.of(worker));
    }

    private static Map<Who, Set<Integer>> expect(
            Set<Integer> anonymous, Set<Integer> other, Set<Integer> owner, Set<Integer> admin) {
        return Map.of(
                Who.ANONYMOUS,
                anonymous,
                Who.OTHER,
                other,
                Who.OWNER,
                owner,
                Who.ADMIN,
                admin,
                Who.WORKER,
                Set.of(403));
    }

    private static final Map<Who, Set<Integer>> ADMIN_ONLY = expect(401, 403, 403, 200);
    /** The worker protocol: a worker's, nobody else's. */
    private static final Map<Who, Set<Integer>> WORKER_ONLY = expect(401, 403, 403, 403, 200);
    /** About a job: one the worker does not hold, here one of a built-in processor, is no job to it. */
    private static final Map<Who, Set<Integer>> WORKER_JOB = expect(401, 403, 403, 403, 404);

    /** Keyed by the OpenAPI operation, "METHOD /path/{template}". "Owner" is the member who owns the resource. */
    private Map<String, Row> rows() {
        Map<String, Row> rows = new LinkedHashMap<>();
        // Jobs, their events and results.
        rows.put("GET /api/v1/jobs", new Row(() -> plain("GET", "/api/v1/jobs"), expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/counts",
                new Row(() -> plain("GET", "/api/v1/jobs/counts"), expect(401, 200, 200, 200)));
        rows.put(
                "POST /api/v1/jobs",
                new Row(
                        () -> json(
                                "POST",
                                "/api/v1/jobs",
                                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + file() + "\"}}"),
                        expect(401, 404, 202, 202)));
        rows.put(
                "GET /api/v1/jobs/{id}",
                new Row(() -> plain("GET", "/api/v1/jobs/" + finishedJob()), expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/jobs/{id}/cancel",
                new Row(
                        () -> plain("POST", "/api/v1/jobs/" + longJob() + "/cancel"),
                        expect(Set.of(401), Set.of(404), Set.of(200, 202), Set.of(200, 202))));
        rows.put(
                "POST /api/v1/jobs/{id}/retry",
                new Row(() -> plain("POST", "/api/v1/jobs/" + cancelledJob() + "/retry"), expect(401, 404, 202, 202)));
        rows.put(
                "DELETE /api/v1/jobs/{id}",
                new Row(() -> plain("DELETE", "/api/v1/jobs/" + finishedJob()), expect(401, 404, 204, 204)));
        rows.put(
                "POST /api/v1/jobs/delete",
                new Row(
                        () -> json("POST", "/api/v1/jobs/delete", "{\"ids\":[\"" + finishedJob() + "\"]}"),
                        expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/{id}/result",
                new Row(() -> plain("GET", "/api/v1/jobs/" + finishedJob() + "/result"), expect(401, 404, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/{id}/result/segments/{segment}/revisions",
                new Row(
                        () -> plain("GET", "/api/v1/jobs/" + finishedTranscript() + "/result/segments/0/revisions"),
                        expect(401, 404, 200, 200)));
        rows.put(
                "PATCH /api/v1/jobs/{id}/result",
                new Row(
                        () -> json(
                                "PATCH",
                                "/api/v1/jobs/" + finishedTranscript() + "/result",
                                "{\"edits\":[{\"segment\":0,\"version\":0,\"text\":\"Edited.\"}]}"),
                        expect(401, 404, 200, 200)));
        // A result without speakers has none to name (409), which only whoever may see it learns.
        rows.put(
                "PUT /api/v1/jobs/{id}/speakers",
                new Row(
                        () -> json(
                                "PUT", "/api/v1/jobs/" + finishedJob() + "/speakers", "{\"names\":{\"S0\":\"Ana\"}}"),
                        expect(401, 404, 409, 409)));
        rows.put(
                "GET /api/v1/jobs/{id}/files",
                new Row(
                        () -> plain("GET", "/api/v1/jobs/" + jobWithResultFile() + "/files"),
                        expect(401, 404, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/{id}/files/{name}",
                new Row(
                        () -> plain("GET", "/api/v1/jobs/" + jobWithResultFile() + "/files/out.txt"),
                        expect(401, 404, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/{id}/events",
                new Row(() -> plain("GET", "/api/v1/jobs/" + finishedJob() + "/events"), expect(401, 404, 200, 200)));
        rows.put(
                "GET /api/v1/jobs/{id}/events (SSE)",
                new Row(
                        () -> plain("GET", "/api/v1/jobs/" + finishedJob() + "/events")
                                .header("Accept", "text/event-stream"),
                        expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/stream/ticket",
                new Row(() -> plain("POST", "/api/v1/stream/ticket"), expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/processors",
                new Row(() -> plain("GET", "/api/v1/processors"), expect(401, 200, 200, 200)));
        // Batches.
        rows.put(
                "POST /api/v1/batches",
                new Row(
                        () -> json(
                                "POST", "/api/v1/batches", "{\"type\":\"test-echo\",\"files\":[\"" + file() + "\"]}"),
                        expect(401, 422, 201, 201)));
        rows.put("GET /api/v1/batches", new Row(() -> plain("GET", "/api/v1/batches"), expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/batches/{id}",
                new Row(() -> plain("GET", "/api/v1/batches/" + batch()), expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/batches/{id}/cancel",
                new Row(() -> plain("POST", "/api/v1/batches/" + batch() + "/cancel"), expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/batches/{id}/retry",
                new Row(() -> plain("POST", "/api/v1/batches/" + batch() + "/retry"), expect(401, 404, 200, 200)));
        rows.put(
                "GET /api/v1/batches/{id}/download",
                new Row(() -> plain("GET", "/api/v1/batches/" + batch() + "/download"), expect(401, 404, 200, 200)));
        // Files.
        rows.put(
                "POST /api/v1/files",
                new Row(
                        () -> api.request("/api/v1/files?name=a.txt", null)
                                .header("Content-Type", "application/octet-stream")
                                .POST(HttpRequest.BodyPublishers.ofString("x")),
                        expect(401, 201, 201, 201)));
        rows.put(
                "GET /api/v1/files/{id}",
                new Row(() -> plain("GET", "/api/v1/files/" + file()), expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/files/{id}/link",
                new Row(() -> plain("POST", "/api/v1/files/" + file() + "/link"), expect(401, 404, 200, 200)));
        rows.put("GET /api/v1/files", new Row(() -> plain("GET", "/api/v1/files"), expect(401, 200, 200, 200)));
        rows.put(
                "DELETE /api/v1/files/{id}",
                new Row(() -> plain("DELETE", "/api/v1/files/" + file()), expect(401, 404, 204, 204)));
        // A selection answers 200 with an outcome per id: another's file is one it cannot find.
        rows.put(
                "POST /api/v1/files/delete",
                new Row(
                        () -> json("POST", "/api/v1/files/delete", "{\"ids\":[\"" + file() + "\"]}"),
                        expect(401, 200, 200, 200)));
        rows.put("GET /api/v1/me/usage", new Row(() -> plain("GET", "/api/v1/me/usage"), expect(401, 200, 200, 200)));
        // Content takes a credential or a signed link; without either it is a bad link, never the bytes.
        rows.put(
                "GET /api/v1/files/{id}/content",
                new Row(() -> plain("GET", "/api/v1/files/" + file() + "/content"), expect(403, 404, 200, 200, 404)));
        // Uploads (tus).
        rows.put(
                "OPTIONS /api/v1/uploads",
                new Row(() -> plain("OPTIONS", "/api/v1/uploads"), expect(204, 204, 204, 204)));
        rows.put("POST /api/v1/uploads", new Row(() -> tus("POST", "/api/v1/uploads"), expect(401, 201, 201, 201)));
        rows.put(
                "HEAD /api/v1/uploads/{id}",
                new Row(() -> tus("HEAD", "/api/v1/uploads/" + upload()), expect(401, 404, 200, 200)));
        rows.put(
                "PATCH /api/v1/uploads/{id}",
                new Row(() -> tus("PATCH", "/api/v1/uploads/" + upload()), expect(401, 404, 204, 204)));
        rows.put(
                "DELETE /api/v1/uploads/{id}",
                new Row(() -> tus("DELETE", "/api/v1/uploads/" + upload()), expect(401, 404, 204, 204)));
        // Sessions and one's own tokens.
        rows.put(
                "POST /api/v1/session",
                new Row(
                        () -> json("POST", "/api/v1/session", "{\"token\":\"" + owner + "\"}"),
                        expect(201, 201, 201, 201)));
        rows.put("GET /api/v1/session", new Row(() -> plain("GET", "/api/v1/session"), expect(401, 200, 200, 200)));
        rows.put(
                "DELETE /api/v1/session",
                new Row(() -> plain("DELETE", "/api/v1/session"), expect(204, 204, 204, 204)));
        rows.put("GET /api/v1/me/tokens", new Row(() -> plain("GET", "/api/v1/me/tokens"), expect(401, 200, 200, 200)));
        rows.put(
                "POST /api/v1/me/tokens",
                new Row(() -> json("POST", "/api/v1/me/tokens", "{}"), expect(401, 201, 201, 201)));
        // /me is the caller: the owner's token is nobody else's to revoke there, admins included.
        rows.put(
                "DELETE /api/v1/me/tokens/{tokenId}",
                new Row(() -> plain("DELETE", "/api/v1/me/tokens/" + ownerToken()), expect(401, 404, 200, 404)));
        // Administration.
        rows.put("GET /api/v1/admin/users", new Row(() -> plain("GET", "/api/v1/admin/users"), ADMIN_ONLY));
        rows.put(
                "POST /api/v1/admin/users",
                new Row(
                        () -> json("POST", "/api/v1/admin/users", "{\"name\":\"m-" + UUID.randomUUID() + "\"}"),
                        expect(401, 403, 403, 201)));
        rows.put(
                "GET /api/v1/admin/users/{id}",
                new Row(() -> plain("GET", "/api/v1/admin/users/" + ownerId), ADMIN_ONLY));
        rows.put(
                "DELETE /api/v1/admin/users/{id}",
                new Row(() -> plain("DELETE", "/api/v1/admin/users/" + newUserId()), expect(401, 403, 403, 204)));
        rows.put(
                "PATCH /api/v1/admin/users/{id}",
                new Row(() -> json("PATCH", "/api/v1/admin/users/" + ownerId, "{\"role\":\"member\"}"), ADMIN_ONLY));
        rows.put(
                "GET /api/v1/admin/users/{userId}/tokens",
                new Row(() -> plain("GET", "/api/v1/admin/users/" + ownerId + "/tokens"), ADMIN_ONLY));
        rows.put(
                "POST /api/v1/admin/users/{userId}/tokens",
                new Row(
                        () -> json("POST", "/api/v1/admin/users/" + ownerId + "/tokens", "{}"),
                        expect(401, 403, 403, 201)));
        rows.put(
                "DELETE /api/v1/admin/users/{userId}/tokens/{tokenId}",
                new Row(
                        () -> plain("DELETE", "/api/v1/admin/users/" + ownerId + "/tokens/" + ownerToken()),
                        ADMIN_ONLY));
        rows.put("GET /api/v1/admin/audit", new Row(() -> plain("GET", "/api/v1/admin/audit"), ADMIN_ONLY));
        // Everyone searches their own content (a search finds nothing of another's; SearchContract shows it).
        rows.put(
                "GET /api/v1/search",
                new Row(() -> plain("GET", "/api/v1/search?q=anything"), expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/admin/search/status",
                new Row(() -> plain("GET", "/api/v1/admin/search/status"), ADMIN_ONLY));
        rows.put(
                "POST /api/v1/admin/search/reindex",
                new Row(() -> plain("POST", "/api/v1/admin/search/reindex"), expect(401, 403, 403, 202)));
        // Everyone asks about their own content (an answer cites nothing of another's; AnswersContract shows it).
        rows.put(
                "POST /api/v1/answers",
                new Row(
                        () -> json("POST", "/api/v1/answers", "{\"question\":\"anything?\"}"),
                        expect(401, 202, 202, 202)));
        webhookRows(rows);
        workerRows(rows);
        return rows;
    }

    /** A user's webhooks: another's answers like a missing one; admins reach anyone's by id, but list their own. */
    private void webhookRows(Map<String, Row> rows) {
        rows.put(
                "POST /api/v1/webhooks",
                new Row(
                        () -> json(
                                "POST",
                                "/api/v1/webhooks",
                                "{\"url\":\"http://127.0.0.1:9/m\",\"processors\":[\"matrix-never\"]}"),
                        expect(401, 201, 201, 201)));
        rows.put("GET /api/v1/webhooks", new Row(() -> plain("GET", "/api/v1/webhooks"), expect(401, 200, 200, 200)));
        rows.put(
                "GET /api/v1/webhooks/{id}",
                new Row(() -> plain("GET", "/api/v1/webhooks/" + webhook()), expect(401, 404, 200, 200)));
        rows.put(
                "DELETE /api/v1/webhooks/{id}",
                new Row(() -> plain("DELETE", "/api/v1/webhooks/" + webhook()), expect(401, 404, 204, 204)));
        rows.put(
                "POST /api/v1/webhooks/callback-secret",
                new Row(() -> plain("POST", "/api/v1/webhooks/callback-secret"), expect(401, 201, 201, 201)));
        rows.put(
                "GET /api/v1/webhooks/{id}/deliveries",
                new Row(
                        () -> plain("GET", "/api/v1/webhooks/" + webhook() + "/deliveries"),
                        expect(401, 404, 200, 200)));
        rows.put(
                "POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
                new Row(
                        () -> plain("POST", "/api/v1/webhooks/" + callbackDelivery() + "/redeliver"),
                        expect(401, 404, 202, 202)));
    }

    /** The worker protocol (docs/workers.md). */
    private void workerRows(Map<String, Row> rows) {
        rows.put(
                "PUT /api/v1/worker/processors/{name}",
                new Row(
                        () -> json("PUT", "/api/v1/worker/processors/" + workerProcessor, "{\"accepts\":[\"none\"]}"),
                        WORKER_ONLY));
        rows.put(
                "POST /api/v1/worker/claim",
                new Row(
                        () -> json(
                                "POST",
                                "/api/v1/worker/claim",
                                "{\"worker\":\"m\",\"processors\":[\"" + workerProcessor + "\"]}"),
                        WORKER_ONLY));
        for (String call : List.of("heartbeat", "progress", "partials", "complete", "fail", "release")) {
            String body = "{\"lease\":\"x\""
                    + switch (call) {
                        case "progress" -> ",\"progress\":0.5";
                        case "partials" -> ",\"items\":[1]";
                        case "fail" -> ",\"code\":\"x\",\"message\":\"m\"";
                        default -> "";
                    }
                    + "}";
            rows.put(
                    "POST /api/v1/worker/jobs/{id}/" + call,
                    new Row(() -> json("POST", "/api/v1/worker/jobs/" + finishedJob() + "/" + call, body), WORKER_JOB));
        }
        // Batched calls answer per job: a job the worker does not hold is that item's problem, not the call's.
        for (String call : List.of("heartbeat", "complete", "fail")) {
            rows.put(
                    "POST /api/v1/worker/" + call,
                    new Row(
                            () -> json(
                                    "POST",
                                    "/api/v1/worker/" + call,
                                    "{\"" + (call.equals("heartbeat") ? "jobs" : "items") + "\":[{\"id\":\""
                                            + finishedJob() + "\",\"lease\":\"x\""
                                            + (call.equals("fail") ? ",\"code\":\"x\",\"message\":\"m\"" : "")
                                            + "}]}"),
                            WORKER_ONLY));
        }
        rows.put(
                "PUT /api/v1/worker/jobs/{id}/files/{name}",
                new Row(
                        () -> api.request("/api/v1/worker/jobs/" + finishedJob() + "/files/out.txt", null)
                                .header("Kiln-Lease", "x")
                                .header("Content-Type", "text/plain")
                                .PUT(HttpRequest.BodyPublishers.ofString("result")),
                        WORKER_JOB));
        rows.put(
                "GET /api/v1/worker/jobs/{id}/input",
                new Row(() -> plain("GET", "/api/v1/worker/jobs/" + finishedJob() + "/input"), WORKER_JOB));
    }

    private String token(Who who) {
        return switch (who) {
            case ANONYMOUS -> null;
            case OTHER -> other;
            case OWNER -> owner;
            case ADMIN -> Api.ADMIN_TOKEN;
            case WORKER -> worker;
        };
    }

    /** Sends with the caller's credential; reads only the head of streams (SSE stays open). */
    private Api.Response send(HttpRequest.Builder request, Who who) throws Exception {
        if (token(who) != null) {
            request.setHeader("Authorization", "Bearer " + token(who));
        }
        HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        try (InputStream body = response.body()) {
            String text = contentType.startsWith("text/event-stream") ? "" : new String(body.readAllBytes());
            return new Api.Response(response.statusCode(), response.headers().map(), text);
        }
    }

    @Test
    void everyDocumentedEndpointHasARow() {
        Set<String> documented = new TreeSet<>();
        JsonNode paths = api.get("/api/v1/openapi.json", null).json().get("paths");
        for (String path : paths.propertyNames()) {
            for (String method : paths.get(path).propertyNames()) {
                documented.add(method.toUpperCase() + " " + path);
            }
        }
        Set<String> covered = new TreeSet<>(rows().keySet());
        covered.removeIf(k -> k.endsWith(")"));
        assertThat(covered)
                .as("rows of the matrix = operations in the OpenAPI document")
                .isEqualTo(documented);
    }

    @Test
    void everyCallerGetsTheExpectedAnswerEverywhere() throws Exception {
        SoftAssertions softly = new SoftAssertions();
        for (Map.Entry<String, Row> row : rows().entrySet()) {
            for (Who who : Who.values()) {
                Api.Response response = send(row.getValue().request().get(), who);
                softly.assertThat(response.status())
                        .as(row.getKey() + " as " + who + ": " + response.body())
                        .isIn(row.getValue().expected().get(who));
                if (response.status() >= 400 && !row.getKey().startsWith("HEAD")) {
                    softly.assertThat(response.header("Content-Type").orElse(""))
                            .as(row.getKey() + " as " + who)
                            .startsWith("application/problem+json");
                }
                if (who == Who.OTHER && response.status() == 404) {
                    // Someone else's resource answers exactly like one that does not exist.
                    HttpRequest original = row.getValue().request().get().build();
                    String missing =
                            ID.matcher(original.uri().toString()).replaceAll(m -> m.group(1) + "_" + "a".repeat(26));
                    Api.Response absent = send(
                            HttpRequest.newBuilder(original, (n, v) -> true).uri(java.net.URI.create(missing)), who);
                    softly.assertThat(absent.status())
                            .as(row.getKey() + " missing")
                            .isEqualTo(404);
                    if (!row.getKey().startsWith("HEAD")) {
                        softly.assertThat(response.code())
                                .as(row.getKey() + " code")
                                .isEqualTo(absent.code());
                        softly.assertThat(response.body().replaceAll(ID.pattern(), "ID"))
                                .as(row.getKey() + " body")
                                .isEqualTo(absent.body().replaceAll(ID.pattern(), "ID"));
                    }
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void aSignedLinkOpensOneFileToAnyone() {
        String file = file();
        String href = api.postEmpty("/api/v1/files/" + file + "/link", owner)
                .json()
                .get("href")
                .asString();
        assertThat(api.get(href, null).status()).isEqualTo(200);
        assertThat(api.get(href.replace(file, file()), null).code()).isEqualTo("link_invalid");
    }

    @Test
    void theWebSocketFollowsOnlyWhatTheCallerMaySee() throws Exception {
        String job = finishedJob();
        String subscribe = "{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + job + "\"}]}";
        try (StreamClient anonymous = StreamClient.open(port, "", null, true)) {
            anonymous.send(subscribe);
            assertThat(anonymous.closeCode(Duration.ofSeconds(10))).isEqualTo(4001);
        }
        try (StreamClient stranger = StreamClient.connect(api, port, other)) {
            stranger.send(subscribe);
            JsonNode error = stranger.await("error", Duration.ofSeconds(10));
            assertThat(error.get("code").asString()).isEqualTo("job_not_found");
            stranger.send("{\"type\":\"subscribe\",\"mine\":true}");
            stranger.await("subscribed", Duration.ofSeconds(10));
        }
        for (String token : new String[] {owner, Api.ADMIN_TOKEN}) {
            try (StreamClient allowed = StreamClient.connect(api, port, token)) {
                allowed.send(subscribe);
                assertThat(allowed.await("snapshot", Duration.ofSeconds(10))
                                .get("job")
                                .get("id")
                                .asString())
                        .isEqualTo(job);
            }
        }
    }

    @Test
    void theWebSocketNeverTellsOneUserAboutAnothersJobs() throws Exception {
        try (StreamClient stranger = StreamClient.connect(api, port, other)) {
            stranger.send("{\"type\":\"subscribe\",\"mine\":true}");
            stranger.await("subscribed", Duration.ofSeconds(10));
            String job = finishedJob();
            String mine = api.submit(other, "test-noop", api.textFile(other, "mine"), "{}");
            List<JsonNode> seen = new ArrayList<>();
            JsonNode last;
            do {
                last = stranger.next(Duration.ofSeconds(10));
                seen.add(last);
            } while (last != null
                    && !(last.path("job").asString("").equals(mine)
                            && last.toString().contains("succeeded")));
            assertThat(seen.toString()).contains(mine).doesNotContain(job);
        }
    }
}
