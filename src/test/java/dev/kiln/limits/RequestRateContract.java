package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.auth.ApiTokens;
import dev.kiln.auth.Role;
import dev.kiln.auth.Users;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StreamClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The API request rate, over real HTTP on each database (one subclass per database): 5 requests per
 * 5 s per user, 3 per 5 s per address without a token, 3 refused credentials per 5 s per address.
 */
@TestPropertySource(
        properties = {
            "kiln.test.own-database=true",
            "kiln.limits.window=5s",
            "kiln.limits.requests=5",
            "kiln.limits.anonymous-requests=3",
            "kiln.limits.failed-credentials=3",
            "kiln.security.allowed-origins=" + RequestRateContract.ALLOWED_ORIGIN
        })
abstract class RequestRateContract extends ApiTestBase {

    static final String ALLOWED_ORIGIN = "https://app.example";

    @Autowired
    Users users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    MeterRegistry meters;

    /** A member's token, made without the API: the admin's requests count against a limit too. */
    String member() {
        String id = users.create("rate-" + UUID.randomUUID(), Role.MEMBER)
                .orElseThrow()
                .id();
        return tokens.issue(id, "test", null).token();
    }

    @Test
    void pastTheLimitA429SaysWhichLimitAndWhenToComeBack() {
        String alice = member();
        List<Api.Response> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(api.get("/api/v1/jobs", alice));
        }

        for (int i = 0; i < 5; i++) {
            Api.Response ok = answers.get(i);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.header("RateLimit-Policy")).contains("\"requests\";q=5;w=5");
            assertThat(ok.header("RateLimit").orElseThrow()).matches("\"requests\";r=" + (4 - i) + ";t=[1-5]");
        }
        Api.Response refused = answers.get(5);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).contains("application/problem+json");
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.json().get("limit").asString()).isEqualTo("requests");
        assertThat(refused.json().get("quota").asLong()).isEqualTo(5);
        assertThat(refused.json().get("window").asLong()).isEqualTo(5);
        assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 5L);
        assertThat(refused.header("RateLimit-Policy")).contains("\"requests\";q=5;w=5");
        assertThat(refused.header("RateLimit").orElseThrow()).matches("\"requests\";r=0;t=[1-5]");

        assertThat(api.get("/api/v1/jobs", member()).status())
                .as("another user has a budget of their own")
                .isEqualTo(200);

        // The window ends, the quota comes back whole.
        await().atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> api.get("/api/v1/jobs", alice).status() == 200);
        assertThat(api.get("/api/v1/jobs", alice).header("RateLimit").orElseThrow())
                .startsWith("\"requests\";r=3;");
    }

    @Test
    void theCompatibilityEndpointsSayWhereTheCallerStandsAsApiDoes() {
        String bob = member();
        for (String path : new String[] {"/v1/models", "/asr"}) {
            String token = path.equals("/asr") ? member() : bob;
            Api.Response last = null;
            for (int i = 0; i < 6; i++) {
                last = path.equals("/asr") ? api.postEmpty(path, token) : api.get(path, token);
                if (i < 5) {
                    assertThat(last.header("RateLimit-Policy"))
                            .as(path + " " + last)
                            .contains("\"requests\";q=5;w=5");
                }
            }
            assertThat(last.status()).as(path + " " + last).isEqualTo(429);
            assertThat(last.header("Retry-After")).as(path).isPresent();
            assertThat(last.header("RateLimit-Policy")).as(path).contains("\"requests\";q=5;w=5");
            assertThat(last.header("RateLimit").orElseThrow()).as(path).matches("\"requests\";r=0;t=[1-5]");
        }
    }

    @Test
    void aWorkersHeartbeatsAreNeverRefusedForTheRate() {
        String id = users.create("rate-worker-" + UUID.randomUUID(), Role.WORKER)
                .orElseThrow()
                .id();
        String worker = tokens.issue(id, "test", null).token();
        String progress = "/api/v1/worker/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa/progress";
        int status = 0;
        for (int i = 0; i < 20 && status != 429; i++) {
            status = api.post(progress, worker, "{\"lease\":\"x\",\"progress\":0.5}")
                    .status();
        }
        assertThat(status).as("the worker's progress reports spent its budget").isEqualTo(429);

        for (int i = 0; i < 3; i++) {
            Api.Response beat = api.post("/api/v1/worker/heartbeat", worker, "{\"jobs\":[],\"waitSeconds\":0}");
            assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
            Api.Response alone = api.post(
                    "/api/v1/worker/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa/heartbeat", worker, "{\"lease\":\"x\"}");
            assertThat(alone.status()).as(alone.toString()).isNotEqualTo(429);
        }
    }

    @Test
    void requestsWithoutATokenAreCountedPerAddress() {
        // File content takes a signed link instead of a token; a wrong one is still a request.
        String path = "/api/v1/files/file_aaaaaaaaaaaaaaaaaaaaaaaaaa/content?expires=1&sig=wrong";
        for (int i = 0; i < 3; i++) {
            Api.Response answer = api.get(path, null);
            assertThat(answer.status()).as(answer.toString()).isNotEqualTo(429);
            assertThat(answer.header("RateLimit-Policy")).contains("\"anonymous-requests\";q=3;w=5");
        }
        Api.Response refused = api.get(path, null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("limit").asString()).isEqualTo("anonymous-requests");
        assertThat(refused.header("Retry-After")).isPresent();

        assertThat(api.get("/api/v1/jobs", member()).status())
                .as("a user is counted as themselves")
                .isEqualTo(200);
    }

    @Test
    void badTokensFromOneAddressAreRefusedPastTheLimitWhileOtherAddressesGoOn() {
        Api guesser = from("127.0.0.21");
        for (int i = 0; i < 3; i++) {
            Api.Response wrong = guesser.get("/api/v1/jobs", "kiln_guess_" + i);
            assertThat(wrong.status()).as(wrong.toString()).isEqualTo(401);
        }
        Api.Response refused = guesser.get("/api/v1/jobs", "kiln_guess_3");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).contains("application/problem+json");
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.json().get("limit").asString()).isEqualTo("failed-credentials");
        assertThat(refused.json().get("quota").asLong()).isEqualTo(3);
        assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 5L);
        assertThat(refused.header("RateLimit-Policy")).contains("\"failed-credentials\";q=3;w=5");
        assertThat(refused.header("RateLimit").orElseThrow()).matches("\"failed-credentials\";r=0;t=[1-5]");
        assertThat(refused.header("X-Content-Type-Options"))
                .as("refused ahead of the security filters, with the headers every answer carries")
                .contains("nosniff");

        String valid = member();
        assertThat(guesser.get("/api/v1/jobs", valid).status())
                .as("a right guess is refused as a wrong one, or the 429 would tell them apart")
                .isEqualTo(429);
        Api.Response openAi = guesser.get("/v1/models", "kiln_guess_4");
        assertThat(openAi.status()).isEqualTo(429);
        assertThat(openAi.json().get("error").get("code").asString())
                .as("in the foreign API's own shape")
                .isEqualTo("rate_limit_exceeded");
        assertThat(guesser.get("/api/v1/openapi.json", null).status())
                .as("a request without a credential is not refused for them")
                .isEqualTo(200);
        assertThat(from("127.0.0.22").get("/api/v1/jobs", valid).status())
                .as("the same token from another address")
                .isEqualTo(200);

        // The window ends: the address may present credentials again.
        await().atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> guesser.get("/api/v1/jobs", valid).status() == 200);
    }

    @Test
    void aFailedCredentialsRefusalIsCountedAmongTheLimitsRefusals() {
        Api guesser = from("127.0.0.27");
        for (int i = 0; i < 3; i++) {
            assertThat(guesser.get("/api/v1/jobs", "kiln_guess_" + i).status()).isEqualTo(401);
        }
        double before = rateLimited();

        assertThat(guesser.get("/api/v1/jobs", "kiln_guess_3").status()).isEqualTo(429);
        assertThat(guesser.get("/v1/models", "kiln_guess_4").status())
                .as("in a foreign API's shape too")
                .isEqualTo(429);

        assertThat(rateLimited() - before)
                .as("kiln.requests.refused{limit=rate_limited}, as the other rate limits' 429s")
                .isEqualTo(2.0);
    }

    @Test
    void aPageFromAnAllowedOriginCanReadTheFailedCredentialsRefusal() {
        Api page = from("127.0.0.28");
        for (int i = 0; i < 3; i++) {
            assertThat(fromOrigin(page, ALLOWED_ORIGIN, "kiln_guess_" + i).status())
                    .isEqualTo(401);
        }

        Api.Response refused = fromOrigin(page, ALLOWED_ORIGIN, "kiln_guess_3");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Access-Control-Allow-Origin")).contains(ALLOWED_ORIGIN);
        assertThat(refused.header("Access-Control-Expose-Headers").orElseThrow())
                .contains("Retry-After", "RateLimit");
        assertThat(refused.header("Retry-After")).isPresent();

        Api.Response otherSite = fromOrigin(page, "https://evil.example", "kiln_guess_4");
        assertThat(otherSite.status())
                .as("another site's page is refused before anything else runs")
                .isEqualTo(403);
        assertThat(otherSite.header("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void aTokenThatAuthenticatedFromTheAddressLatelyGoesOnWorkingThroughItsLockout() {
        Api office = from("127.0.0.26");
        String colleague = member();
        assertThat(office.get("/api/v1/jobs", colleague).status()).isEqualTo(200);
        assertThat(office.get("/", "kiln_guess_on_a_public_page").status())
                .as("a public page answers whatever token comes with it")
                .isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(office.get("/api/v1/jobs", "kiln_revoked_" + i).status()).isEqualTo(401);
        }
        assertThat(office.get("/api/v1/jobs", "kiln_revoked_3").status()).isEqualTo(429);

        assertThat(office.get("/api/v1/jobs", colleague).status())
                .as("a script looping on a revoked token does not lock out a colleague's working token")
                .isEqualTo(200);
        assertThat(office.get("/api/v1/jobs", "kiln_guess_on_a_public_page").status())
                .as("only a token that authenticated is remembered, not one a public page answered")
                .isEqualTo(429);
        assertThat(office.get("/api/v1/jobs", member()).status())
                .as("a token not seen authenticating from there waits out the window")
                .isEqualTo(429);
    }

    @Test
    void aFailedSignInAndAStaleSessionCookieCountAsRefusedCredentials() {
        Api browser = from("127.0.0.23");
        Api.Response signIn = browser.post("/api/v1/session", null, "{\"token\":\"kiln_wrong\"}");
        assertThat(signIn.status()).as(signIn.toString()).isEqualTo(401);
        Api.Response stale = browser.send(browser.request("/api/v1/session", null)
                .header("Cookie", "kiln_session=stale")
                .GET()
                .build());
        assertThat(stale.status()).as(stale.toString()).isEqualTo(401);
        assertThat(browser.get("/api/v1/jobs", "kiln_wrong").status()).isEqualTo(401);

        Api.Response refused = browser.post("/api/v1/session", null, "{\"token\":\"" + member() + "\"}");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.json().get("limit").asString()).isEqualTo("failed-credentials");
    }

    @Test
    void aWebSocketsTicketsAndTokensDrawOnTheSameBudget() throws Exception {
        HttpClient http = client("127.0.0.25");
        URI stream = URI.create("ws://127.0.0.1:" + port + "/api/v1/stream");
        String worker = member();
        assertThat(from("127.0.0.25").get("/api/v1/jobs", worker).status()).isEqualTo(200);
        try (StreamClient forged = StreamClient.open(http, URI.create(stream + "?ticket=wst_forged"), null)) {
            assertThat(forged.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
        }
        for (int i = 0; i < 2; i++) {
            try (StreamClient guess = StreamClient.open(http, stream, null)) {
                guess.send("{\"type\":\"auth\",\"token\":\"kiln_guess_" + i + "\"}");
                assertThat(guess.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
            }
        }
        try (StreamClient refused = StreamClient.open(http, stream, null)) {
            refused.send("{\"type\":\"auth\",\"token\":\"" + member() + "\"}");
            assertThat(refused.closeCode(Duration.ofSeconds(5)))
                    .as("past the limit, even a valid token")
                    .isEqualTo(4008);
        }
        assertThat(from("127.0.0.25").get("/api/v1/jobs", member()).status())
                .as("the same budget as HTTP's")
                .isEqualTo(429);
        try (StreamClient known = StreamClient.open(http, stream, null)) {
            known.send("{\"type\":\"auth\",\"token\":\"" + worker + "\"}");
            assertThat(known.await("welcome", Duration.ofSeconds(5)))
                    .as("a token that authenticated from the address over HTTP passes its lockout on a socket too")
                    .isNotNull();
        }
    }

    /**
     * The limit is against guessing: the same refused credential presented again from one address
     * (a script looping on a revoked token, a stale cookie on every page load) is counted once a
     * window, so three times the budget of it locks out no one there, while different ones still do.
     */
    @Test
    void oneRefusedCredentialPresentedAgainAndAgainIsCountedOnce() {
        Api office = from("127.0.0.29");
        String userId = users.create("rate-" + UUID.randomUUID(), Role.MEMBER)
                .orElseThrow()
                .id();
        ApiTokens.Issued looping = tokens.issue(userId, "script", null);
        assertThat(office.get("/api/v1/jobs", looping.token()).status()).isEqualTo(200);
        tokens.revoke(userId, looping.info().id()).orElseThrow();
        for (int i = 0; i < 9; i++) {
            assertThat(office.get("/api/v1/jobs", looping.token()).status())
                    .as("the revoked token, presented the %d-th time", i + 1)
                    .isEqualTo(401);
            Api.Response stale = office.send(office.request("/api/v1/session", null)
                    .header("Cookie", "kiln_session=stale_" + userId)
                    .GET()
                    .build());
            assertThat(stale.status())
                    .as("a page load with a stale cookie: %s", stale)
                    .isEqualTo(401);
        }
        assertThat(office.get("/api/v1/jobs", member()).status())
                .as("a valid token never seen from the address")
                .isEqualTo(200);

        List<Integer> guesses = new ArrayList<>();
        for (int i = 0; i < 4 && !guesses.contains(429); i++) {
            guesses.add(office.get("/api/v1/jobs", "kiln_guess_" + i).status());
        }
        assertThat(guesses).as("different ones are counted each").endsWith(429);
        assertThat(office.get("/api/v1/jobs", looping.token()).status())
                .as("and past the budget the repeated one is refused as any other")
                .isEqualTo(429);
    }

    @Test
    void aSocketsRefusedTokenOrTicketPresentedAgainIsCountedOnce() throws Exception {
        HttpClient http = client("127.0.0.30");
        URI stream = URI.create("ws://127.0.0.1:" + port + "/api/v1/stream");
        for (int i = 0; i < 9; i++) {
            try (StreamClient again = StreamClient.open(http, stream, null)) {
                again.send("{\"type\":\"auth\",\"token\":\"kiln_revoked_on_a_socket\"}");
                assertThat(again.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
            }
            try (StreamClient used = StreamClient.open(http, URI.create(stream + "?ticket=wst_used"), null)) {
                assertThat(used.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
            }
        }
        try (StreamClient valid = StreamClient.open(http, stream, null)) {
            valid.send("{\"type\":\"auth\",\"token\":\"" + member() + "\"}");
            assertThat(valid.await("welcome", Duration.ofSeconds(5)))
                    .as("a valid token never seen from the address")
                    .isNotNull();
        }
        assertThat(from("127.0.0.30")
                        .get("/api/v1/jobs", "kiln_revoked_on_a_socket")
                        .status())
                .as("the same token over HTTP: one credential, counted already")
                .isEqualTo(401);
        assertThat(from("127.0.0.30").get("/api/v1/jobs", member()).status()).isEqualTo(200);
    }

    static Api.Response fromOrigin(Api client, String origin, String token) {
        return client.send(client.request("/api/v1/jobs", token)
                .header("Origin", origin)
                .GET()
                .build());
    }

    double rateLimited() {
        return meters.get("kiln.requests.refused")
                .tag("limit", "rate_limited")
                .counter()
                .count();
    }

    /** A client on its own loopback address: the limit counts per address. */
    Api from(String address) {
        return new Api("http://127.0.0.1:" + port, client(address));
    }

    static HttpClient client(String address) {
        try {
            return HttpClient.newBuilder()
                    .localAddress(InetAddress.getByName(address))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
