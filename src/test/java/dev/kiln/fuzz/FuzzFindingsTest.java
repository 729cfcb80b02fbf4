package dev.kiln.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.StreamClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** One plain test for each failure {@link ApiFuzzTest} found, so each stays fixed whatever the fuzzer draws. */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class FuzzFindingsTest extends ApiTestBase {

    @Autowired
    Database db;

    @Autowired
    Clock clock;

    String token;
    String fileId;
    RawHttp raw;

    @BeforeEach
    void member() {
        token = api.newMember("found-" + UUID.randomUUID());
        fileId = api.textFile(token, "fuzz me");
        raw = new RawHttp(port);
    }

    @Test
    void aBadPercentEscapeInTheQueryIsANamedBadRequest() {
        // Was 500: Tomcat refuses the escape when a parameter is first read.
        Api.Response response = raw.send("GET", "/api/v1/jobs?cursor=%", List.of(auth()), new byte[0]);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("field").asString()).isEqualTo("cursor");
    }

    @Test
    void anUnservableRangeIsAProblemNotTheWholeFile() {
        // Was 416 carrying the file itself.
        for (String range :
                new String[] {"bytes=-0", "bytes=999999-", "bytes=abc", "bytes=" + "0-1,".repeat(200) + "0-1"}) {
            Api.Response response = api.send(api.request("/api/v1/files/" + fileId + "/content", token)
                    .header("Range", range)
                    .GET()
                    .build());
            assertThat(response.status()).as(range).isEqualTo(416);
            assertThat(response.code()).isEqualTo("range_not_satisfiable");
            assertThat(response.header("Content-Range")).contains("bytes */7");
            assertThat(response.body()).doesNotContain("fuzz me");
        }
        Api.Response firstByte = api.send(api.request("/api/v1/files/" + fileId + "/content", token)
                .header("Range", "bytes=0-0")
                .GET()
                .build());
        assertThat(firstByte.status()).isEqualTo(206);
        assertThat(firstByte.body()).isEqualTo("f");
    }

    @Test
    void requestsTomcatRefusesItselfAreAnsweredWithProblemsToo() {
        // Were Tomcat's HTML error pages: an encoded slash in the path, an unknown transfer coding.
        Api.Response slash =
                raw.send("PATCH", "/api/v1/uploads/a%2Fb", List.of(auth(), "Tus-Resumable: 1.0.0"), new byte[0]);
        Api.Response coding = raw.send(
                "POST",
                "/api/v1/jobs",
                List.of(auth(), "Content-Type: application/json", "Transfer-Encoding: identity"),
                "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(slash.status()).isEqualTo(400);
        assertThat(slash.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(slash.code()).isEqualTo("malformed_request");
        assertThat(coding.status()).isEqualTo(501);
        assertThat(coding.code()).isEqualTo("malformed_request");
    }

    @Test
    void aProblemIsWrittenWhateverTheAcceptHeaderAsked() {
        // Was a 415 with an empty body: the problem could not be "negotiated" with Accept: a/b.
        Api.Response response = api.send(api.request("/api/v1/jobs", token)
                .header("Accept", "a/b")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());

        assertThat(response.status()).isEqualTo(415);
        assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(response.code()).isEqualTo("unsupported_content_type");
    }

    @Test
    void aSubmissionWhoseAnswerCannotBeReadIsRefusedBeforeTheJobExists() {
        // Was a 406 after the job had been created.
        Api.Response response = api.post(
                "/api/v1/jobs",
                token,
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + fileId + "\"}}",
                Map.of("Accept", "text/event-stream"));

        assertThat(response.status()).isEqualTo(406);
        assertThat(response.code()).isEqualTo("not_acceptable");
        assertThat(api.get("/api/v1/jobs", token).json().get("items")).isEmpty();
    }

    @Test
    void aRefusedChunkDoesNotExtendTheUploadsLife() {
        // Was: the expiry moved on with every refused chunk, so bad chunks kept an upload alive.
        Api.Response created = tus("POST", "/api/v1/uploads", List.of("Upload-Length: 10"), new byte[0]);
        String path =
                java.net.URI.create(created.header("Location").orElseThrow()).getPath();
        String id = path.substring(path.lastIndexOf('/') + 1);
        String expires = tus("HEAD", path, List.of(), new byte[0])
                .header("Upload-Expires")
                .orElseThrow();
        // The stored expiry has milliseconds (the header only seconds): once the clock has moved past the
        // upload's creation, an expiry moved on by the chunk would differ from the one stored now.
        long createdAt = db.sql()
                .sql("SELECT created_at FROM uploads WHERE id = ?")
                .param(id)
                .query(Long.class)
                .single();
        long storedExpiry = storedExpiry(id);
        await().atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> clock.millis() > createdAt);

        Api.Response refused = tus(
                "PATCH",
                path,
                List.of(
                        "Upload-Offset: 0",
                        "Content-Type: application/offset+octet-stream",
                        "Upload-Checksum: sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                new byte[] {1, 2, 3});

        assertThat(refused.status()).isEqualTo(460);
        Api.Response after = tus("HEAD", path, List.of(), new byte[0]);
        assertThat(after.header("Upload-Offset")).contains("0");
        assertThat(after.header("Upload-Expires")).contains(expires);
        assertThat(storedExpiry(id)).isEqualTo(storedExpiry);
    }

    private long storedExpiry(String uploadId) {
        return db.sql()
                .sql("SELECT expires_at FROM uploads WHERE id = ?")
                .param(uploadId)
                .query(Long.class)
                .single();
    }

    @Test
    void aRefusedFirstChunkLeavesNoUploadBehind() {
        // Was: creation-with-upload kept the upload when its chunk was refused; the client never learnt
        // its URL, and it counted against the quota (2 MB in tests) until it expired.
        for (int i = 0; i < 3; i++) {
            Api.Response refused = tus(
                    "POST",
                    "/api/v1/uploads",
                    List.of(
                            "Upload-Length: 900000",
                            "Content-Type: application/offset+octet-stream",
                            "Upload-Checksum: sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                    new byte[] {1, 2, 3});
            assertThat(refused.status()).as("attempt " + i + ": " + refused).isEqualTo(460);
        }
    }

    @Test
    void halfACharacterInAWebSocketMessageIsAnsweredNotFatal() throws Exception {
        // Was: echoing an unpaired surrogate back in an error failed to encode, and closed the socket with 1011.
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            client.await("welcome", Duration.ofSeconds(10));
            client.send("{\"type\":\"\\udfff\"}");
            JsonNode error = client.await("error", Duration.ofSeconds(10));
            assertThat(error.get("code").asString()).isEqualTo("unknown_type");
            assertThat(error.get("message").asString()).contains("\uFFFD");
            client.send("{\"type\":\"subscribe\",\"jobs\":[\"job_\\ud800\"]}");
            assertThat(client.await("error", Duration.ofSeconds(10)).get("code").asString())
                    .isEqualTo("job_not_found");
            assertThat(client.closed()).isFalse();
        }
    }

    @Test
    void aContentTypeThatIsNoMediaTypeFromAnotherSiteIsRefusedNotAFailure() {
        // Was 500: answering CORS, Spring parsed Content-Type: */* and threw.
        Api.Response response = raw.send(
                "POST",
                "/api/v1/jobs",
                List.of(auth(), "Content-Type: */*", "Origin: null"),
                "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(response.status()).isBetween(400, 499);
        assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/problem+json");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> api.get("/api/v1/processors", token).status() == 200);
    }

    private Api.Response tus(String method, String path, List<String> headers, byte[] body) {
        List<String> all = new java.util.ArrayList<>(List.of(auth(), "Tus-Resumable: 1.0.0"));
        all.addAll(headers);
        return raw.send(method, path, all, body);
    }

    private String auth() {
        return "Authorization: Bearer " + token;
    }
}
