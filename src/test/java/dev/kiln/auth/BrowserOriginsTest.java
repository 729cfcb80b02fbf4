package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.RawHttp;
import dev.kiln.testing.StreamClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * One origin allowlist for CORS and the WebSocket: Kiln's own pages and the listed origin get in,
 * every other site's pages are refused before anything runs; and browsers are told never to sniff.
 */
@TestPropertySource(properties = {"kiln.test.database=sqlite", "kiln.security.allowed-origins=https://app.example/"})
class BrowserOriginsTest extends ApiTestBase {

    private static final String ALLOWED = "https://app.example";
    private static final String FOREIGN = "https://evil.example";
    private static final Duration WAIT = Duration.ofSeconds(15);

    String token;

    @BeforeEach
    void member() {
        token = api.newMember("browser-" + UUID.randomUUID());
    }

    @Test
    void anAllowedOriginsPreflightIsAnsweredWithWhatTheBrowserNeeds() {
        Api.Response preflight = api.send(preflight(ALLOWED, "POST", "authorization,content-type,idempotency-key"));

        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).contains(ALLOWED);
        assertThat(preflight.header("Access-Control-Allow-Methods").orElseThrow())
                .contains("POST")
                .contains("PATCH");
        assertThat(preflight
                        .header("Access-Control-Allow-Headers")
                        .orElseThrow()
                        .toLowerCase())
                .contains("authorization")
                .contains("content-type")
                .contains("idempotency-key");
        assertThat(preflight.header("Access-Control-Max-Age")).isPresent();
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEmpty();
    }

    @Test
    void anAllowedOriginsRequestGetsTheCorsHeadersAndMayReadKilnsOwnHeaders() {
        Api.Response list = api.send(api.request("/api/v1/jobs", token)
                .header("Origin", ALLOWED)
                .GET()
                .build());

        assertThat(list.status()).isEqualTo(200);
        assertThat(list.header("Access-Control-Allow-Origin")).contains(ALLOWED);
        assertThat(list.header("Access-Control-Expose-Headers").orElseThrow())
                .contains(
                        "Location",
                        "Upload-Offset",
                        "Upload-Length",
                        "Tus-Resumable",
                        "Kiln-File-Id",
                        "Kiln-Job-Id",
                        "Retry-After",
                        "RateLimit",
                        "RateLimit-Policy");
    }

    @Test
    void anotherSitesPreflightAndRequestsAreRefusedWithoutCorsHeaders() {
        Api.Response preflight = api.send(preflight(FOREIGN, "POST", "authorization,content-type"));
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.code()).isEqualTo("origin_not_allowed");
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEmpty();

        String fileId = api.textFile(token, "not for evil");
        Api.Response submit = api.post(
                "/api/v1/jobs",
                token,
                "{\"type\":\"test-noop\",\"input\":{\"fileId\":\"" + fileId + "\"}}",
                java.util.Map.of("Origin", FOREIGN));
        assertThat(submit.status()).isEqualTo(403);
        assertThat(submit.code()).isEqualTo("origin_not_allowed");
        assertThat(submit.header("Access-Control-Allow-Origin")).isEmpty();
        assertThat(api.get("/api/v1/jobs", token).json().get("items"))
                .as("nothing was submitted")
                .isEmpty();

        // "null" is what sandboxed pages (such as served file content) send.
        assertThat(api.send(api.request("/api/v1/jobs", token)
                                .header("Origin", "null")
                                .GET()
                                .build())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void anotherSitesRefusalCarriesTheHeadersEveryAnswerCarries() {
        Api.Response normal = api.get("/api/v1/jobs", token);
        Api.Response preflight = api.send(preflight(FOREIGN, "GET", "authorization"));
        Api.Response simple = api.send(api.request("/api/v1/jobs", token)
                .header("Origin", FOREIGN)
                .GET()
                .build());

        assertThat(preflight.status()).isEqualTo(403);
        assertThat(simple.status()).isEqualTo(403);
        for (String header : new String[] {
            "X-Content-Type-Options",
            "X-Frame-Options",
            "Cache-Control",
            "Referrer-Policy",
            "Content-Security-Policy",
            "X-XSS-Protection"
        }) {
            assertThat(normal.header(header)).as(header).isPresent();
            assertThat(preflight.header(header))
                    .as("a refused preflight's " + header)
                    .isEqualTo(normal.header(header));
            assertThat(simple.header(header))
                    .as("a refused request's " + header)
                    .isEqualTo(normal.header(header));
            assertThat(normal.headers().get(header)).as("written once").hasSize(1);
        }
    }

    @Test
    void theContainersOwnErrorAnswersCarryTheHeadersEveryAnswerCarriesOnce() {
        // Were without them: Tomcat's answer to a body's failed read and its TRACE refusal reach the error
        // page on the error dispatch, which the header writers skipped.
        RawHttp raw = new RawHttp(port);
        List<String> auth = List.of("Authorization: Bearer " + token);
        Api.Response normal = raw.send("GET", "/api/v1/jobs", auth, new byte[0]);
        Api.Response trace = raw.send("TRACE", "/api/v1/jobs", auth, new byte[0]);
        List<String> upload = new ArrayList<>(auth);
        upload.add("Content-Type: application/octet-stream");
        Api.Response cut = raw.cut("POST", "/api/v1/files", upload, 100_000, new byte[1000]);

        assertThat(normal.status()).isEqualTo(200);
        assertThat(trace.status()).isEqualTo(405);
        assertThat(cut.code()).as(cut.toString()).isEqualTo("upload_interrupted");
        for (String header : new String[] {
            "X-Content-Type-Options",
            "X-Frame-Options",
            "Cache-Control",
            "Pragma",
            "Expires",
            "Referrer-Policy",
            "Content-Security-Policy",
            "X-XSS-Protection"
        }) {
            for (Api.Response answer : List.of(normal, trace, cut)) {
                assertThat(answer.headers().entrySet().stream()
                                .filter(e -> e.getKey().equalsIgnoreCase(header))
                                .flatMap(e -> e.getValue().stream())
                                .toList())
                        .as(header + " of " + answer)
                        .hasSize(1)
                        .isEqualTo(List.of(normal.header(header).orElseThrow()));
            }
        }
    }

    @Test
    void kilnsOwnPagesAreNotCrossOrigin() {
        Api.Response own = api.send(api.request("/api/v1/jobs", token)
                .header("Origin", "http://localhost:" + port)
                .GET()
                .build());
        // Behind a TLS proxy the page is https while Kiln sees http: still its own page.
        Api.Response proxied = api.send(api.request("/api/v1/jobs", token)
                .header("Origin", "https://localhost:" + port)
                .GET()
                .build());

        assertThat(own.status()).isEqualTo(200);
        assertThat(proxied.status()).isEqualTo(200);
        assertThat(own.header("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void theWebSocketUsesTheSameAllowlist() throws Exception {
        try (StreamClient foreign =
                StreamClient.open(port, "?ticket=" + StreamClient.ticket(api, token), FOREIGN, true)) {
            assertThat(foreign.closeCode(WAIT)).isEqualTo(1008);
        }
        try (StreamClient allowed =
                StreamClient.open(port, "?ticket=" + StreamClient.ticket(api, token), ALLOWED, true)) {
            assertThat(allowed.await("welcome", WAIT)).isNotNull();
        }
        try (StreamClient own = StreamClient.open(
                port, "?ticket=" + StreamClient.ticket(api, token), "http://localhost:" + port, true)) {
            assertThat(own.await("welcome", WAIT)).isNotNull();
        }
    }

    @Test
    void noAnswerMayBeSniffedIntoAnotherType() {
        String fileId = api.textFile(token, "<script>alert(1)</script>");
        for (Api.Response answer : new Api.Response[] {
            api.get("/api/v1/processors", token),
            api.get("/api/v1/jobs/job_x", token),
            api.get("/api/v1/files/" + fileId + "/content", token),
            api.get("/", null),
            api.get("/jobs", null)
        }) {
            assertThat(answer.header("X-Content-Type-Options"))
                    .as(answer.toString())
                    .contains("nosniff");
        }
    }

    private HttpRequest preflight(String origin, String method, String headers) {
        return api.request("/api/v1/jobs", null)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", headers)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build();
    }
}
