package dev.kiln.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.StreamClient;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * What a client sends is bounded and checked: JSON past its size or depth is refused while it is
 * read, and every wrong field, parameter, header or path answers a 4xx problem naming it.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class ClientInputTest extends ApiTestBase {

    private static final int MAX_SIZE = 256 * 1024;

    String token;
    String fileId;

    @BeforeEach
    void member() {
        token = api.newMember("input-" + UUID.randomUUID());
        fileId = api.textFile(token, "input");
    }

    @Test
    void deeplyNestedJsonIsRefusedAsTooDeep() {
        Api.Response deep = api.post("/api/v1/jobs", token, job("[".repeat(40) + "]".repeat(40)));

        assertThat(deep.status()).isEqualTo(400);
        assertThat(deep.code()).isEqualTo("json_limit_exceeded");
        assertThat(deep.json().get("limit").asString()).isEqualTo("depth");
        assertThat(deep.json().get("max").asInt()).isEqualTo(32);
        assertThat(deep.json().get("detail").asString()).contains("nested deeper than 32");

        Api.Response veryDeep = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "[".repeat(100_000));
        assertThat(veryDeep.code()).isEqualTo("json_limit_exceeded");
    }

    @Test
    void nestingWithinTheLimitIsRead() {
        // 31 levels inside the body's own object: parsed, then refused by the params schema, not by the parser.
        Api.Response nested = api.post("/api/v1/jobs", token, job("[".repeat(30) + "]".repeat(30)));

        assertThat(nested.status()).isEqualTo(400);
        assertThat(nested.code()).isEqualTo("invalid_params");
    }

    @Test
    void aBodyLargerThanAllowedIsRefusedBeforeOrWhileItIsRead() {
        String big = "{\"type\":\"test-noop\",\"pad\":\"" + "x".repeat(MAX_SIZE) + "\"}";

        Api.Response declared = api.post("/api/v1/jobs", token, big);
        Api.Response chunked = api.send(api.request("/api/v1/jobs", token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build());

        for (Api.Response response : new Api.Response[] {declared, chunked}) {
            assertThat(response.status()).as(response.toString()).isEqualTo(413);
            assertThat(response.code()).isEqualTo("json_too_large");
            assertThat(response.json().get("maxSize").asLong()).isEqualTo(MAX_SIZE);
        }
    }

    @Test
    void hugeNumbersAndNamesAreRefusedWhileParsing() {
        Api.Response number = api.post("/api/v1/jobs", token, "{\"priority\":" + "9".repeat(5000) + "}");
        Api.Response name = api.post("/api/v1/jobs", token, "{\"" + "n".repeat(5000) + "\":1}");

        assertThat(number.code()).isEqualTo("json_limit_exceeded");
        assertThat(number.json().get("limit").asString()).isEqualTo("number");
        assertThat(name.code()).isEqualTo("json_limit_exceeded");
        assertThat(name.json().get("limit").asString()).isEqualTo("name");
    }

    @Test
    void trailingGarbageAfterTheJsonIsMalformed() {
        Api.Response trailing =
                api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"x" + UUID.randomUUID() + "\"} {}");

        assertThat(trailing.status()).isEqualTo(400);
        assertThat(trailing.code()).isEqualTo("malformed_json");
    }

    @Test
    void deepJsonInAWebSocketMessageOrUploadMetadataIsRefusedToo() throws Exception {
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.await("welcome", Duration.ofSeconds(10));
            client.send("{\"type\":\"subscribe\",\"jobs\":" + "[".repeat(200) + "]".repeat(200) + "}");
            JsonNode error = client.await("error", Duration.ofSeconds(10));
            assertThat(error.get("code").asString()).isEqualTo("malformed_json");
            assertThat(error.get("message").asString()).contains("nested deeper than 32");
            client.send("{\"type\":\"subscribe\",\"mine\":true}");
            assertThat(client.await("subscribed", Duration.ofSeconds(10)))
                    .as("the connection stays usable")
                    .isNotNull();
        }
        String params = Base64.getEncoder()
                .encodeToString(("[".repeat(100) + "]".repeat(100)).getBytes(StandardCharsets.UTF_8));
        Api.Response upload = api.send(api.request("/api/v1/uploads", token)
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", "5")
                .header("Upload-Metadata", "processor dGVzdC1ub29w,params " + params)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(upload.status()).isEqualTo(400);
        assertThat(upload.json().get("field").asString()).isEqualTo("Upload-Metadata");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "/api/v1/jobs?limit=abc | limit",
                "/api/v1/jobs?limit=-1 | limit",
                "/api/v1/jobs?limit=201 | limit",
                "/api/v1/jobs?limit=99999999999 | limit",
                "/api/v1/jobs?cursor=garbage | cursor",
                "/api/v1/jobs?state=sideways | state",
                "/api/v1/jobs?type=Not%20A%20Type | type",
                "/api/v1/jobs/counts?type=%2E%2E | type",
                "/api/v1/jobs/JOB/events?after=x | after",
                "/api/v1/jobs/JOB/events?after=-5 | after",
                "/api/v1/jobs/JOB/events?limit=0 | limit",
                "/api/v1/jobs/JOB/events?wait=9999 | wait",
                "/api/v1/jobs/JOB/events?wait=soon | wait",
                "/api/v1/jobs/JOB/result?format= | format",
                "/api/v1/jobs/JOB/result?format=exe | format",
                "/api/v1/files/FILE/content?expires=tomorrow&sig=x | expires",
            })
    void everyBadParameterIsNamed(String path, String field) {
        String jobId = api.submit(token, "test-echo", fileId, "{}");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.state(token, jobId).equals("succeeded"));

        Api.Response response = api.get(path.replace("JOB", jobId).replace("FILE", fileId), token);

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(response.json().get("field").asString()).isEqualTo(field);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"type\":1,\"input\":{\"fileId\":\"FILE\"}} | type",
                "{\"type\":\"test-noop\",\"input\":\"FILE\"} | input",
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":7}} | input.fileId",
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"FILE\"},\"priority\":\"high\"} | priority",
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"FILE\"},\"priority\":1.5} | priority",
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"FILE\"},\"extra\":true} | extra",
                "[\"type\"] | body",
                "\"just a string\" | body",
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"file_nosuchfile\"}} | input.fileId",
            })
    void everyBadJobFieldIsNamed(String body, String field) {
        Api.Response response = api.post("/api/v1/jobs", token, body.replace("FILE", fileId));

        assertThat(response.status()).as(response.toString()).isBetween(400, 499);
        assertThat(response.json().get("field").asString()).isEqualTo(field);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"name\":5} | name",
                "{\"name\":\"\"} | name",
                "{\"name\":\"a/b\"} | name",
                "{\"name\":\"ok-name\",\"role\":\"root\"} | role",
                "{\"name\":\"ok-name\",\"role\":[\"admin\"]} | role",
                "{\"name\":\"ok-name\",\"admin\":true} | admin",
                "null | body",
            })
    void everyBadUserFieldIsNamed(String body, String field) {
        Api.Response response = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, body);

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.json().get("field").asString()).isEqualTo(field);
    }

    @Test
    void badIdsInPathsAreNotFound() {
        for (String path : new String[] {
            "/api/v1/jobs/nonsense",
            "/api/v1/jobs/" + "j".repeat(5000),
            "/api/v1/jobs/%E2%98%83",
            "/api/v1/jobs/nonsense/result",
            "/api/v1/jobs/nonsense/events",
            "/api/v1/files/nonsense",
            "/api/v1/files/nonsense/content",
            "/api/v1/files/'%20OR%201=1--"
        }) {
            Api.Response response = api.get(path, token);
            assertThat(response.status()).as(path + " " + response).isEqualTo(404);
            assertThat(response.code()).endsWith("not_found");
        }
        assertThat(api.postEmpty("/api/v1/jobs/nonsense/cancel", token).status())
                .isEqualTo(404);
        assertThat(api.postEmpty("/api/v1/files/nonsense/link", token).status()).isEqualTo(404);
    }

    @Test
    void badUploadNamesAndPartsAreNamed() {
        // A malformed escape: only a raw request can carry one.
        Api.Response badName = new RawHttp(port)
                .send(
                        "POST",
                        "/api/v1/files?name=%zz",
                        java.util.List.of("Authorization: Bearer " + token, "Content-Type: text/plain"),
                        "x".getBytes(StandardCharsets.UTF_8));
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.json().get("field").asString()).isEqualTo("name");

        String boundary = "b" + UUID.randomUUID();
        Api.Response noFilePart = api.send(api.request("/api/v1/files", token)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n" + "x\r\n--"
                                + boundary + "--\r\n"))
                .build());
        assertThat(noFilePart.status()).isEqualTo(400);
        assertThat(noFilePart.json().get("field").asString()).isEqualTo("file");
    }

    @Test
    void aMultipartBodyThatDoesNotParseIsTheClientsFault() {
        // Was 500: Tomcat's refusal to parse the parts was answered as an internal error.
        String boundary = "b" + UUID.randomUUID();
        String part = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"";
        for (String[] upload : new String[][] {
            {"multipart/form-data; boundary=" + boundary, part + "a.txt\"\r\n\r\nno closing boundary"},
            {"multipart/form-data", "no boundary at all"},
            {"multipart/form-data; boundary=" + boundary, part + "a\u0000.txt\"\r\n\r\nx\r\n--" + boundary + "--\r\n"}
        }) {
            Api.Response response = new RawHttp(port)
                    .send(
                            "POST",
                            "/api/v1/files",
                            java.util.List.of("Authorization: Bearer " + token, "Content-Type: " + upload[0]),
                            upload[1].getBytes(StandardCharsets.UTF_8));
            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            assertThat(response.code()).isEqualTo("malformed_request");
        }
        assertThat(api.get("/api/v1/files", token).json().get("items")).hasSize(1);
    }

    @Test
    void aMultipartUploadCutByItsClientIsInterruptedNotMalformed() {
        // Was malformed_request: the client's early end of the body was taken for a body that does not parse.
        String boundary = "b" + UUID.randomUUID();
        byte[] start = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                        + "Content-Type: text/plain\r\n\r\n" + "x".repeat(50_000))
                .getBytes(StandardCharsets.UTF_8);
        for (String target : new String[] {"/api/v1/files", "/v1/audio/transcriptions"}) {
            Api.Response cut = new RawHttp(port)
                    .cut(
                            "POST",
                            target,
                            java.util.List.of(
                                    "Authorization: Bearer " + token,
                                    "Content-Type: multipart/form-data; boundary=" + boundary),
                            1_000_000,
                            start);
            assertThat(cut.status()).as(cut.toString()).isEqualTo(400);
            assertThat(target.startsWith("/v1") ? cut.json().at("/error/code").asString() : cut.code())
                    .as(cut.toString())
                    .isEqualTo("upload_interrupted");
        }
        Api.Response raw = new RawHttp(port)
                .cut(
                        "POST",
                        "/api/v1/files",
                        java.util.List.of("Authorization: Bearer " + token, "Content-Type: application/octet-stream"),
                        1_000_000,
                        start);
        assertThat(raw.code()).as(raw.toString()).isEqualTo("upload_interrupted");
        assertThat(api.get("/api/v1/files", token).json().get("items")).hasSize(1);
    }

    @Test
    void aBrokenChunkIsMalformedInAMultipartFormAndARawBodyAlike() {
        // Was upload_interrupted for the form: reads after the broken chunk failed with a plain IOException.
        String boundary = "b" + UUID.randomUUID();
        byte[] part = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                        + "Content-Type: text/plain\r\n\r\n" + "x".repeat(100))
                .getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
        chunks.writeBytes((Integer.toHexString(part.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunks.writeBytes(part);
        chunks.writeBytes("\r\nZZZZ\r\n".getBytes(StandardCharsets.US_ASCII));
        for (String type : new String[] {"multipart/form-data; boundary=" + boundary, "application/octet-stream"}) {
            Api.Response broken = new RawHttp(port)
                    .chunked(
                            "POST",
                            "/api/v1/files",
                            java.util.List.of("Authorization: Bearer " + token, "Content-Type: " + type),
                            chunks.toByteArray());
            assertThat(broken.status()).as(type + " " + broken).isEqualTo(400);
            assertThat(broken.code()).as(type + " " + broken).isEqualTo("malformed_request");
        }
        assertThat(api.get("/api/v1/files", token).json().get("items")).hasSize(1);
    }

    @Test
    void aContentTypeThatIsNoMediaTypeIsRefusedWhereTheBodyIsOptional() {
        // Was 500: issuing a token takes an optional body, so no `consumes` refused */* before Spring read it.
        for (String type : new String[] {"*/*", "application/*"}) {
            Api.Response response = api.send(api.request("/api/v1/me/tokens", token)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"label\":\"x\"}"))
                    .build());
            assertThat(response.status()).as(response.toString()).isEqualTo(415);
            assertThat(response.code()).isEqualTo("unsupported_content_type");
        }
        assertThat(api.get("/api/v1/me/tokens", token).json().get("items")).hasSize(1);
    }

    @Test
    void errorsOfTheHttpLayerAreProblemsToo() {
        // Were Spring Boot's {timestamp, status, error, path}, and /error itself a 500 with status 999.
        RawHttp raw = new RawHttp(port);
        java.util.List<String> auth = java.util.List.of("Authorization: Bearer " + token);
        Api.Response trace = raw.send("TRACE", "/api/v1/jobs", auth, new byte[0]);
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(trace.code()).isEqualTo("method_not_allowed");
        assertThat(trace.json().path("detail").asString()).isEqualTo("Method TRACE is not allowed here.");

        Api.Response badKey = raw.send(
                "GET",
                "/api/v1/stream",
                java.util.List.of(
                        "Upgrade: websocket",
                        "Connection: Upgrade",
                        "Sec-WebSocket-Version: 13",
                        "Sec-WebSocket-Key: x"),
                new byte[0]);
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.code()).isEqualTo("malformed_request");

        for (String who : new String[] {token, null}) {
            Api.Response error = api.get("/error", who);
            assertThat(error.status()).as(error.toString()).isEqualTo(404);
            assertThat(error.code()).isEqualTo("not_found");
        }

        Api.Response compat = raw.send("TRACE", "/v1/models", auth, new byte[0]);
        assertThat(compat.status()).isEqualTo(405);
        assertThat(compat.json().path("error").path("code").asString()).isEqualTo("method_not_allowed");
    }

    private String job(String params) {
        return "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + fileId + "\"},\"params\":" + params + "}";
    }
}
