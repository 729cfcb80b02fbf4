package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.Multipart;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The compatibility layer's settings, each doing what the README says: the wait, cancelling the job
 * of a client that went away, the token header; and the submission limit answered in OpenAI's shape.
 * A long recording (speech.wav said 20 times, three minutes) keeps a job running past the wait.
 */
@TestPropertySource(
        properties = {
            "kiln.test.database=sqlite",
            "kiln.compat.wait=8s", // long enough for a revocation to land first, under load
            "kiln.compat.cancel-on-disconnect=true",
            "kiln.compat.token-header=X-Api-Key",
            "kiln.stream.sse-heartbeat=200ms",
            "kiln.limits.submissions=2",
            "kiln.files.max-size=20MB",
            "kiln.files.quota-per-user=100MB"
        })
class CompatSettingsTest extends ApiTestBase {

    private static final String TRANSCRIPTIONS = CompatApiContract.TRANSCRIPTIONS;

    private String member() {
        return api.newMember("settings-" + UUID.randomUUID());
    }

    @Test
    void theWaitEndsAt504WithTheJobWhichRunsOn() {
        String member = member();
        Api.Response waited = api.send(new Multipart()
                .file("file", "long.wav", Fixtures.longSpeech(20))
                .post(api, TRANSCRIPTIONS, member)
                .timeout(Duration.ofMinutes(1))
                .build());

        assertThat(waited.status()).as(waited.toString()).isEqualTo(504);
        assertThat(waited.json().get("error").get("code").asString()).isEqualTo("job_still_running");
        String job = CompatApiContract.jobOf(waited);
        assertThat(api.state(member, job)).isIn("queued", "running");
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", member);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.state(member, job).equals("cancelled"));
    }

    @Test
    void aClientThatGoesAwayCancelsItsJobWhenSoConfigured() throws Exception {
        String member = member();
        Multipart form = new Multipart()
                .file("file", "long.wav", Fixtures.longSpeech(20))
                .field("stream", "true");
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(form.post(api, TRANSCRIPTIONS, member).build(), HttpResponse.BodyHandlers.ofInputStream());
        String job = response.headers().firstValue("Kiln-Job-Id").orElseThrow();
        response.body().close();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.state(member, job).equals("cancelled"));
        // The audit line is written once the cancel has committed: a moment after the state shows.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(api.get("/api/v1/admin/audit?action=job.cancelled&limit=200", Api.ADMIN_TOKEN)
                                        .body())
                                .contains(job, "client gone"));
    }

    @Test
    void aWaitEndsWhenItsTokenIsRevokedWithOpenAisErrorEvent() throws Exception {
        String member = member();
        Api.Response issued = api.post("/api/v1/me/tokens", member, "{}");
        assertThat(issued.status()).isEqualTo(201);
        String revoked = issued.json().get("token").asString();
        Multipart form = new Multipart()
                .file("file", "long.wav", Fixtures.longSpeech(20))
                .field("stream", "true");
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(
                        form.post(api, TRANSCRIPTIONS, null)
                                .header("X-Api-Key", revoked)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        String job = response.headers().firstValue("Kiln-Job-Id").orElseThrow();

        assertThat(api.delete("/api/v1/me/tokens/" + issued.json().get("id").asString(), member)
                        .status())
                .isEqualTo(200);

        // Within the wait: the stream ends with OpenAI's error event for a bad key, not job_still_running.
        String events;
        try (InputStream body = response.body()) {
            events = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(events).contains("\"code\":\"invalid_api_key\"").doesNotContain("job_still_running");
        assertThat(api.state(member, job))
                .as("the job runs on for its other tokens")
                .isIn("queued", "running");
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", member);
    }

    @Test
    void aWaitingAsrRequestWhoseTokenIsRevokedAnswers401InItsOwnShape() throws Exception {
        String member = member();
        Api.Response issued = api.post("/api/v1/me/tokens", member, "{}");
        assertThat(issued.status()).isEqualTo(201);
        Multipart speech = new Multipart().file("audio_file", "long.wav", Fixtures.longSpeech(20));
        CompletableFuture<Api.Response> asr = CompletableFuture.supplyAsync(() -> api.send(
                api.request("/asr?output=txt", issued.json().get("token").asString())
                        .header("Content-Type", speech.contentType())
                        .POST(speech.publisher())
                        .build()));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> api.get("/api/v1/jobs", member).json().get("items").size() == 1);

        api.delete("/api/v1/me/tokens/" + issued.json().get("id").asString(), member);

        Api.Response answer = asr.get(30, TimeUnit.SECONDS);
        assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
        assertThat(answer.json().get("detail").asString()).isEqualTo("Invalid authentication credentials");
        String job = api.get("/api/v1/jobs", member)
                .json()
                .get("items")
                .get(0)
                .get("id")
                .asString();
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", member);
    }

    @Test
    void theConfiguredHeaderCarriesTheTokenForToolsThatCannotSendAuthorization() {
        String member = member();
        Multipart speech = new Multipart().file("audio_file", "speech.wav", Fixtures.bytes("speech.wav"));
        Api.Response asr = api.send(api.request("/asr?output=txt&language=en", null)
                .header("X-Api-Key", member)
                .header("Content-Type", speech.contentType())
                .header("Prefer", "wait=0") // the job is the proof; its transcript is other tests' business
                .POST(speech.publisher())
                .build());

        assertThat(asr.status()).as(asr.toString()).isEqualTo(504);
        String job = CompatApiContract.jobOf(asr);
        assertThat(api.job(member, job).get("type").asString()).isEqualTo("transcribe");
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", member);
        Api.Response forged = api.send(api.request("/v1/models", null)
                .header("X-Api-Key", "kiln_forged")
                .build());
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().get("error").get("code").asString()).isEqualTo("invalid_api_key");
        assertThat(api.send(api.request("/api/v1/jobs", null)
                                .header("X-Api-Key", member)
                                .build())
                        .status())
                .as("Kiln's own API takes Authorization only")
                .isEqualTo(401);
    }

    @Test
    void theSubmissionLimitIsA429InOpenAisShapeAndStoresNothing() {
        String member = member();
        List<Api.Response> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(api.send(new Multipart()
                    .file("file", "silence.wav", Fixtures.bytes("silence.wav"))
                    .post(api, TRANSCRIPTIONS, member)
                    .header("Prefer", "wait=0")
                    .build()));
        }

        Api.Response refused = answers.getLast();
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.json().get("error").get("type").asString()).isEqualTo("requests");
        assertThat(refused.json().get("error").get("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.header("Retry-After")).isPresent();
        assertThat(refused.header("RateLimit-Policy")).as("as under /api").isPresent();
        assertThat(refused.header("RateLimit").orElseThrow()).startsWith("\"submissions\";r=0;");
        assertThat(api.get("/api/v1/jobs", member).json().get("items")).hasSize(2);
    }
}
