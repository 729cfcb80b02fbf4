package dev.kiln.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for Kiln's API, as a real client would use it. */
public final class Api {

    public static final String ADMIN_TOKEN = "test-admin-token";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http;

    public Api(int port) {
        this("http://localhost:" + port);
    }

    public Api(String base) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** Through {@code http}: a client with its own TLS trust or local address (a test's proxy, its clients). */
    public Api(String base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    public record Response(int status, Map<String, java.util.List<String>> headers, String body) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        public Optional<String> header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream())
                    .findFirst();
        }

        /** The problem {@code code}, for error answers. */
        public String code() {
            return json().path("code").asString();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Response get(String path, String token) {
        return send(request(path, token).GET().build());
    }

    public Response post(String path, String token, String json) {
        return post(path, token, json, Map.of());
    }

    public Response post(String path, String token, String json, Map<String, String> headers) {
        HttpRequest.Builder request = request(path, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(request::header);
        return send(request.build());
    }

    public Response patch(String path, String token, String json) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    public Response delete(String path, String token) {
        return send(request(path, token).DELETE().build());
    }

    public Response postEmpty(String path, String token) {
        return send(
                request(path, token).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public Response upload(String token, byte[] content, String name) {
        return send(request("/api/v1/files?name=" + name, token)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content))
                .build());
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body of a GET of {@code path} as bytes (a file's content); fails unless the answer is 200. */
    public byte[] bytes(String path, String token) {
        HttpResponse<byte[]> response = sendForBytes(request(path, token).GET().build());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode());
        }
        return response.body();
    }

    /** {@code request}'s answer, whatever its status, with its body as bytes (a download, a zip). */
    public HttpResponse<byte[]> sendForBytes(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    /** A browser signed in with a token: its session cookie ({@code kiln_session=…}) and CSRF token. */
    public record Browser(String cookie, String csrf) {}

    /** Signs in as a browser does ({@code POST /api/v1/session}); fails unless that works. */
    public Browser signIn(String token) {
        Response response = post("/api/v1/session", null, "{\"token\":\"" + token + "\"}");
        if (response.status() != 201) {
            throw new IllegalStateException("could not sign in: " + response);
        }
        String setCookie = response.header("Set-Cookie").orElseThrow();
        return new Browser(
                setCookie.substring(0, setCookie.indexOf(';')),
                response.json().get("csrfToken").asString());
    }

    /** A request carrying only the browser's cookie (add {@code X-Kiln-CSRF} for unsafe methods). */
    public HttpRequest.Builder browserRequest(String path, Browser browser) {
        return request(path, null).header("Cookie", browser.cookie());
    }

    /** Creates a member and returns its token. */
    public String newMember(String name) {
        Response created = post("/api/v1/admin/users", ADMIN_TOKEN, "{\"name\":\"" + name + "\"}");
        if (created.status() != 201) {
            throw new IllegalStateException("could not create user: " + created);
        }
        return created.json().get("token").asString();
    }

    /** The id of the token's user, as {@code GET /api/v1/session} tells it. */
    public String userId(String token) {
        return get("/api/v1/session", token).json().get("user").get("id").asString();
    }

    /** Creates a worker identity ({@code role: worker}) and returns its token. */
    public String newWorker(String name) {
        Response created = post("/api/v1/admin/users", ADMIN_TOKEN, "{\"name\":\"" + name + "\",\"role\":\"worker\"}");
        if (created.status() != 201) {
            throw new IllegalStateException("could not create worker: " + created);
        }
        return created.json().get("token").asString();
    }

    /** A processor a new worker declares and never claims jobs of: its jobs stay queued. Returns its name. */
    public String idleProcessor() {
        String worker = newWorker("idle-worker-" + UUID.randomUUID());
        String processor = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        declare(worker, processor, "{\"accepts\":[\"*/*\"]}");
        return processor;
    }

    /** Declares (or declares again) {@code processor} for {@code workerToken}; the answer must be 200. */
    public void declare(String workerToken, String processor, String declaration) {
        Response declared = send(request("/api/v1/worker/processors/" + processor, workerToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(declaration))
                .build());
        if (declared.status() != 200) {
            throw new IllegalStateException("could not declare " + processor + ": " + declared);
        }
    }

    /** Uploads a small text file and returns its id. */
    public String textFile(String token, String text) {
        return file(token, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), "note.txt");
    }

    /** Uploads {@code content} as a file named {@code name} and returns its id. */
    public String file(String token, byte[] content, String name) {
        Response uploaded = upload(token, content, name);
        if (uploaded.status() != 201) {
            throw new IllegalStateException("could not upload: " + uploaded);
        }
        return uploaded.json().get("id").asString();
    }

    /** Submits a job and returns its id. */
    public String submit(String token, String type, String fileId, String params) {
        Response submitted = post(
                "/api/v1/jobs",
                token,
                "{\"type\":\"" + type + "\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":" + params + "}");
        if (submitted.status() != 202) {
            throw new IllegalStateException("could not submit: " + submitted);
        }
        return submitted.json().get("id").asString();
    }

    /**
     * Extracts {@code text} as a document of the token's and waits until a text search for
     * {@code word} finds it; returns the job's id.
     */
    public String searchableDocument(String token, String text, String word) {
        String job = submit(token, "extract", textFile(token, text), "{}");
        Duration patience = Duration.ofMinutes(1);
        await().atMost(patience).until(() -> state(token, job).equals("succeeded"));
        await().atMost(patience)
                .until(() -> get("/api/v1/search?mode=text&q=" + word, token)
                                .json()
                                .get("items")
                                .size()
                        == 1);
        return job;
    }

    public JsonNode job(String token, String id) {
        Response job = get("/api/v1/jobs/" + id, token);
        if (job.status() != 200) {
            throw new IllegalStateException("could not read job: " + job);
        }
        return job.json();
    }

    public String state(String token, String id) {
        return job(token, id).get("state").asString();
    }

    /** Every event of the job, read from its log (long polling) until the job ends; fails after a minute. */
    public java.util.List<JsonNode> events(String token, String id) {
        java.util.List<JsonNode> events = new java.util.ArrayList<>();
        long after = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            Response page = get("/api/v1/jobs/" + id + "/events?after=" + after + "&wait=5", token);
            if (page.status() != 200) {
                throw new IllegalStateException("could not read events: " + page);
            }
            page.json().get("items").forEach(events::add);
            after = page.json().get("next").asLong();
            if (!events.isEmpty()
                    && events.getLast().get("kind").asString().equals("state")
                    && java.util.List.of("succeeded", "failed", "cancelled")
                            .contains(events.getLast().get("data").get("state").asString())) {
                return events;
            }
        }
        throw new AssertionError("job " + id + " did not end: " + events);
    }

    /** The job's events stored so far (the first page, without waiting). */
    public java.util.List<JsonNode> eventsSoFar(String token, String id) {
        java.util.List<JsonNode> events = new java.util.ArrayList<>();
        get("/api/v1/jobs/" + id + "/events?after=0", token).json().get("items").forEach(events::add);
        return events;
    }

    /** One processor as {@code GET /api/v1/processors} lists it. */
    public JsonNode processor(String name) {
        for (JsonNode p : get("/api/v1/processors", ADMIN_TOKEN).json().get("items")) {
            if (p.get("name").asString().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("no processor " + name);
    }
}
