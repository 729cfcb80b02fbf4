package dev.kiln.transcribe;

import static dev.kiln.testing.PrometheusText.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.Multipart;
import dev.kiln.testing.TranscriptionServer;
import dev.kiln.testing.TranscriptionServer.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import tools.jackson.databind.JsonNode;

/**
 * {@code transcribe} on remote engines that misbehave, over real HTTP: a stand-in server (one path
 * per engine, each scripted) and a whole Kiln. Failures are retried per chunk where that can help,
 * and end as clear job errors where it cannot; a new attempt does not send finished chunks again;
 * a cancel hangs up on the requests in flight.
 */
abstract class RemoteEngineContract extends ApiTestBase {

    static final String KEY = "sk-remote-secret-4711";
    static TranscriptionServer server;
    /** One upload of the recording for all tests (the test user's quota holds a few). */
    private static String speech;

    /** Each subclass's Kiln gets the engines, all on one stand-in server. */
    static void engines(DynamicPropertyRegistry registry) {
        if (server == null) {
            server = TranscriptionServer.start()
                    .script("flaky", (chunk, request) -> chunk == 1 && request == 1 ? Reply.status(503) : Reply.ok())
                    .script("down", (chunk, request) -> Reply.status(502))
                    .script("slow", (chunk, request) -> Reply.hang())
                    .script("big", (chunk, request) -> Reply.status(413))
                    .script("locked", (chunk, request) -> Reply.status(401))
                    .script("odd", (chunk, request) -> Reply.status(400))
                    .script("resume", (chunk, request) -> chunk == 2 && request <= 2 ? Reply.status(500) : Reply.ok())
                    .script("hold", (chunk, request) -> Reply.trickle())
                    .script("wide", (chunk, request) -> Reply.trickle());
        }
        for (String engine : List.of("flaky", "down", "slow", "big", "locked", "odd", "resume", "hold", "wide")) {
            String prefix = "kiln.transcribe.engines." + engine + ".";
            registry.add(prefix + "base-url", () -> server.baseUrl(engine));
            registry.add(prefix + "model", () -> "whisper-large-v3");
            registry.add(prefix + "api-key", () -> KEY);
            registry.add(prefix + "chunk-seconds", () -> engine.equals("wide") ? "60" : "3"); // wide: one chunk a job
            registry.add(prefix + "tries", () -> "2");
            registry.add(prefix + "retry-backoff", () -> "20ms");
            registry.add(prefix + "timeout", () -> "400ms");
        }
        // One chunk at a time where the test counts on the server numbering chunks in their order.
        registry.add("kiln.transcribe.engines.flaky.max-concurrency", () -> "1");
        registry.add("kiln.transcribe.engines.resume.max-concurrency", () -> "1");
        registry.add("kiln.transcribe.engines.wide.max-concurrency", () -> "3");
        registry.add("kiln.transcribe.recognizers", () -> "1");
        registry.add("kiln.compat.asr-engine", () -> "flaky");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
        speech = null;
    }

    @BeforeEach
    void forget() {
        server.reset();
    }

    @Test
    void aFailedChunkIsSentAgainAndTheTranscriptComesBackInOrderWithItsTimes() throws IOException {
        String job = submit("flaky", "\"words\":true,\"language\":\"en\"");

        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);

        assertThat(last(events)).isEqualTo("succeeded");
        JsonNode result = result(job);
        Map<Integer, Integer> requests = server.requestsPerChunk("flaky");
        assertThat(requests).hasSizeGreaterThanOrEqualTo(3);
        requests.forEach(
                (chunk, n) -> assertThat(n).as("requests for chunk " + chunk).isEqualTo(chunk == 1 ? 2 : 1));
        List<JsonNode> segments = list(result.get("segments"));
        assertThat(segments).hasSize(requests.size());
        double previousEnd = 0;
        for (int i = 0; i < segments.size(); i++) {
            JsonNode s = segments.get(i);
            assertThat(s.get("text").asString()).isEqualTo("Chunk " + i + ".");
            // Each chunk's times are shifted by where it starts; cuts come at most 3 s apart.
            assertThat(s.get("start").asDouble()).isCloseTo(previousEnd, offset(0.01));
            assertThat(s.get("end").asDouble() - s.get("start").asDouble()).isBetween(1.0, 3.0);
            assertThat(s.get("words")).hasSize(2);
            assertThat(s.get("words").get(0).get("start").asDouble())
                    .isEqualTo(s.get("start").asDouble());
            previousEnd = s.get("end").asDouble();
        }
        assertThat(previousEnd).isCloseTo(result.get("duration").asDouble(), offset(0.01));
        assertThat(result.get("language").asString()).isEqualTo("en"); // the engine said "english"
        assertThat(result.get("model").asString()).isEqualTo("flaky");
        assertThat(texts(partials(events, 1))).isEqualTo(texts(segments));

        TranscriptionServer.Received first = server.received("flaky").getFirst();
        assertThat(first.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(first.fields().get("model")).containsExactly("whisper-large-v3");
        assertThat(first.fields().get("response_format")).containsExactly("verbose_json");
        assertThat(first.fields().get("timestamp_granularities[]")).containsExactly("segment", "word");
        assertThat(first.fields().get("language")).containsExactly("en");

        String metrics = api.get("/actuator/prometheus", Api.ADMIN_TOKEN).body();
        assertThat(metrics)
                .containsPattern(
                        "kiln_transcribe_engine_requests_seconds_count\\{engine=\"flaky\",outcome=\"ok\"} [3-9]")
                .containsPattern(
                        "kiln_transcribe_engine_requests_seconds_count\\{engine=\"flaky\",outcome=\"engine_unavailable\"} 1");

        // The run fed this engine's own speed, which a dry run's estimate for it now uses.
        double runs = sample(metrics, "kiln_transcribe_realtime_factor_count", "model", "flaky")
                .orElseThrow();
        double factor = sample(metrics, "kiln_transcribe_realtime_factor_sum", "model", "flaky")
                        .orElseThrow()
                / runs;
        assertThat(runs).isPositive();
        assertThat(sample(metrics, "kiln_transcribe_realtime_factor_count", "model", "en-us"))
                .as("the Vosk model's series is there, and no remote run counted in it")
                .contains(0.0);
        JsonNode dryRun = api.post(
                        "/api/v1/jobs?dryRun=true",
                        Api.ADMIN_TOKEN,
                        "{\"type\":\"transcribe\",\"input\":{\"fileId\":\"" + speech
                                + "\"},\"params\":{\"model\":\"flaky\"}}")
                .json();
        assertThat(dryRun.at("/estimate/runSeconds").asDouble())
                .isCloseTo(dryRun.at("/input/duration").asDouble() * factor, offset(0.002));
    }

    @Test
    void anEngineThatKeepsFailingFailsTheJobAsUnavailable() throws IOException {
        JsonNode error = failure(submit("down", false));

        assertThat(error.get("code").asString()).isEqualTo("engine_unavailable");
        assertThat(error.get("message").asString())
                .startsWith("The transcription engine 'down' answered that it is busy or failing (HTTP 502), 2 times"
                        + " for the audio at 0:0");
        assertThat(error.get("retryable").asBoolean()).isTrue();
    }

    @Test
    void anEngineThatDoesNotAnswerTimesOut() throws IOException {
        JsonNode error = failure(submit("slow", false));

        assertThat(error.get("code").asString()).isEqualTo("engine_unavailable");
        assertThat(error.get("message").asString()).contains("'slow' did not answer within 400 ms", "2 times");
        assertThat(api.get("/actuator/prometheus", Api.ADMIN_TOKEN).body())
                .containsPattern(
                        "kiln_transcribe_engine_requests_seconds_count\\{engine=\"slow\",outcome=\"timeout\"} [1-9][0-9]*");
    }

    @Test
    void aChunkTooLargeForTheEngineSaysWhichSettingToLower() throws IOException {
        JsonNode error = failure(submit("big", false));

        assertThat(error.get("code").asString()).isEqualTo("engine_chunk_too_large");
        assertThat(error.get("message").asString()).contains("kiln.transcribe.engines.big.chunk-seconds");
        assertThat(error.get("retryable").asBoolean()).isFalse();
        assertThat(server.requestsPerChunk("big"))
                .isNotEmpty()
                .allSatisfy((chunk, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aRefusedKeyIsNotTriedAgainAndNeverShown() throws IOException {
        String job = submit("locked", false);
        JsonNode error = failure(job);

        assertThat(error.get("code").asString()).isEqualTo("engine_auth");
        assertThat(error.get("message").asString()).contains("kiln.transcribe.engines.locked.api-key");
        assertThat(server.requestsPerChunk("locked"))
                .isNotEmpty()
                .allSatisfy((chunk, n) -> assertThat(n).isEqualTo(1));
        assertThat(api.get("/api/v1/jobs/" + job + "/events?after=0", Api.ADMIN_TOKEN)
                        .body())
                .doesNotContain(KEY);
        assertThat(api.get("/api/v1/jobs/" + job, Api.ADMIN_TOKEN).body()).doesNotContain(KEY);
    }

    @Test
    void anotherRefusalIsAnEngineError() throws IOException {
        JsonNode error = failure(submit("odd", false));

        assertThat(error.get("code").asString()).isEqualTo("engine_error");
        assertThat(error.get("message").asString()).contains("HTTP 400", "kiln.transcribe.engines.odd.model");
    }

    @Test
    void enginesAreListedWithTheirModelAndNeitherKeyNorAddress() {
        JsonNode transcribe = api.processor("transcribe");
        String listed = transcribe.toString();

        assertThat(listed).doesNotContain(KEY).doesNotContain(server.baseUrl("flaky"));
        JsonNode flaky = null;
        for (JsonNode engine : transcribe.get("details").get("engines")) {
            if (engine.get("name").asString().equals("flaky")) {
                flaky = engine;
            }
        }
        assertThat(flaky).isNotNull();
        assertThat(flaky.get("remote").asBoolean()).isTrue();
        assertThat(flaky.get("model").asString()).isEqualTo("whisper-large-v3");
        assertThat(transcribe
                        .get("params")
                        .get("properties")
                        .get("model")
                        .get("enum")
                        .toString())
                .contains("\"en-us\"", "\"flaky\"", "\"resume\"");
        // And OpenAI's model list, which names what /v1/audio/transcriptions takes.
        assertThat(api.get("/v1/models", Api.ADMIN_TOKEN).body()).contains("\"flaky\"");
    }

    @Test
    void aNewAttemptSendsOnlyTheChunksNotYetDone() throws IOException {
        String job = submit("resume", false);

        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);

        assertThat(last(events)).isEqualTo("succeeded");
        assertThat(api.job(Api.ADMIN_TOKEN, job).get("attempt").asInt()).isEqualTo(2);
        Map<Integer, Integer> requests = server.requestsPerChunk("resume");
        assertThat(requests).hasSizeGreaterThanOrEqualTo(4);
        // Attempt 1: chunks 0 and 1, then chunk 2 fails twice; attempt 2 sends chunk 2 on.
        requests.forEach(
                (chunk, n) -> assertThat(n).as("requests for chunk " + chunk).isEqualTo(chunk == 2 ? 3 : 1));
        List<JsonNode> segments = list(result(job).get("segments"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            expected.add("Chunk " + i + ".");
        }
        assertThat(texts(segments)).isEqualTo(expected);
        assertThat(texts(partials(events, 1))).containsExactly("Chunk 0.", "Chunk 1.");
        // The new attempt's partial results are the whole transcript again, as for any retried job.
        assertThat(texts(partials(events, 2))).isEqualTo(expected);
        assertThat(segments.get(2).get("start").asDouble())
                .isCloseTo(segments.get(1).get("end").asDouble(), offset(0.002));
    }

    @Test
    void aCancelHangsUpOnTheRequestsInFlight() throws IOException {
        String job = submit("hold", false);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.inFlight("hold") == 2);

        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", Api.ADMIN_TOKEN)
                        .status())
                .isLessThan(300);

        await().atMost(Duration.ofSeconds(5)).until(() -> server.abandoned("hold") == 2);
        assertThat(last(api.events(Api.ADMIN_TOKEN, job))).isEqualTo("cancelled");
        assertThat(server.inFlight("hold")).isZero();
    }

    /** A remote engine's jobs wait on the network, not for this node's recognizers (one here). */
    @Test
    void remoteTranscriptionsRunSideBySideBeyondTheNodesRecognizers() throws IOException {
        List<String> jobs = new ArrayList<>();
        for (String language : List.of("en", "de", "fr")) {
            jobs.add(submit("wide", "\"language\":\"" + language + "\""));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.inFlight("wide") == 3);

        for (String job : jobs) {
            assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", Api.ADMIN_TOKEN)
                            .status())
                    .isLessThan(300);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.abandoned("wide") == 3);
    }

    /** task=translate: each chunk to the engine's /audio/translations (no language, no granularities), English back. */
    @Test
    void aTranslationGoesToTheEnginesTranslationsEndpointAlsoThroughOpenAisApi() throws IOException {
        String job = submit("flaky", "\"words\":true,\"language\":\"de\",\"task\":\"translate\"");

        assertThat(last(api.events(Api.ADMIN_TOKEN, job))).isEqualTo("succeeded");
        JsonNode result = result(job);
        assertThat(result.get("task").asString()).isEqualTo("translate");
        assertThat(result.get("text").asString()).startsWith("Translated chunk 0. Translated chunk 1.");
        assertThat(server.received("flaky")).isNotEmpty().allSatisfy(r -> {
            assertThat(r.translation()).isTrue();
            assertThat(r.fields()).containsOnlyKeys("model", "response_format", "file");
        });

        server.reset();
        Api.Response translated = api.send(new Multipart()
                .file("file", "speech.wav", Files.readAllBytes(Fixtures.path("speech.wav")))
                .field("model", "flaky")
                .field("response_format", "verbose_json")
                .post(api, "/v1/audio/translations", Api.ADMIN_TOKEN)
                .build());
        assertThat(translated.status()).as(translated.body()).isEqualTo(200);
        JsonNode body = translated.json();
        assertThat(body.get("task").asString()).isEqualTo("translate");
        assertThat(body.get("text").asString()).startsWith("Translated chunk 0.");

        // The Vosk models transcribe only: the job says so, and OpenAI's API names who can.
        JsonNode vosk = failure(submit("en-us", "\"task\":\"translate\""));
        assertThat(vosk.get("code").asString()).isEqualTo("invalid_input");
        assertThat(vosk.get("message").asString()).contains("transcribes only", "flaky");
        Api.Response refused = api.send(new Multipart()
                .file("file", "speech.wav", Files.readAllBytes(Fixtures.path("speech.wav")))
                .field("model", "whisper-1")
                .post(api, "/v1/audio/translations", Api.ADMIN_TOKEN)
                .build());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).contains("translation_not_supported", "Remote engines translate", "flaky");
    }

    /**
     * A remote engine's language is unknown, so nothing matched a {@code language} against it: one that
     * is no ISO-639-1 code was passed on as it was (and failed the job as the engine's error, a 500, on
     * an engine that refuses it). Now refused before a job exists. (Codes that are go on as before:
     * {@link #asrRunsOnTheConfiguredEngineWhichTranslates}; no run here, which would count in the
     * engine's metrics another test reads.)
     */
    @Test
    void aLanguageThatIsNoIso6391CodeIsRefusedBeforeItReachesTheEngine() throws IOException {
        byte[] speech = Files.readAllBytes(Fixtures.path("speech.wav"));
        for (String language : List.of("zz", "english", "eng", "xx-yy")) {
            Api.Response refused = api.send(new Multipart()
                    .file("file", "speech.wav", speech)
                    .field("model", "flaky")
                    .field("language", language)
                    .post(api, "/v1/audio/transcriptions", Api.ADMIN_TOKEN)
                    .build());
            assertThat(refused.status()).as(language + ": " + refused.body()).isEqualTo(400);
            JsonNode error = refused.json().get("error");
            assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.get("param").asString()).isEqualTo("language");
            assertThat(error.get("code").asString()).isEqualTo("invalid_value");
            assertThat(refused.header("Kiln-Job-Id")).as("no job").isEmpty();
        }
        Api.Response asr = asr("?output=txt&language=zz");
        assertThat(asr.status()).as(asr.body()).isEqualTo(422);
        assertThat(asr.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"query\",\"language\"]");
        assertThat(server.received("flaky")).as("nothing reached the engine").isEmpty();
    }

    /** whisper-asr-webservice names no engine: {@code kiln.compat.asr-engine} picks one, and a remote one translates. */
    @Test
    void asrRunsOnTheConfiguredEngineWhichTranslates() {
        // Languages no other test asks for: a job like an earlier one would reuse its result, asking nothing.
        server.reset();
        Api.Response translated = asr("?task=translate&output=json&language=fr");
        assertThat(translated.status()).as(translated.body()).isEqualTo(200);
        assertThat(translated.json().get("text").asString()).startsWith("Translated chunk 0.");
        assertThat(server.received("flaky"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.translation()).isTrue());

        server.reset();
        Api.Response transcribed = asr("?output=txt&language=it");
        assertThat(transcribed.status()).as(transcribed.body()).isEqualTo(200);
        assertThat(transcribed.body()).startsWith("Chunk 0.");
        assertThat(server.received("flaky")).isNotEmpty().allSatisfy(r -> {
            assertThat(r.translation()).isFalse();
            assertThat(r.fields().get("language")).containsExactly("it");
        });
        JsonNode detected = asr("?output=json").json(); // none asked: the engine's "english", as its code
        assertThat(detected.get("language").asString()).isEqualTo("en");
    }

    private Api.Response asr(String query) {
        return api.send(new Multipart()
                .file("audio_file", "speech.wav", Fixtures.bytes("speech.wav"))
                .post(api, "/asr" + query, Api.ADMIN_TOKEN)
                .timeout(Duration.ofMinutes(1))
                .build());
    }

    private String submit(String engine, boolean words) throws IOException {
        return submit(engine, "\"words\":" + words);
    }

    private String submit(String engine, String params) throws IOException {
        if (speech == null) {
            speech = api.file(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("speech.wav")), "speech.wav");
        }
        return api.submit(Api.ADMIN_TOKEN, "transcribe", speech, "{\"model\":\"" + engine + "\"," + params + "}");
    }

    /** The first attempt's error, once the job has ended failed. */
    private JsonNode failure(String job) {
        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);
        assertThat(last(events)).isEqualTo("failed");
        return events.stream()
                .filter(e -> e.get("kind").asString().equals("error"))
                .findFirst()
                .orElseThrow()
                .get("data");
    }

    private JsonNode result(String job) {
        return api.get("/api/v1/jobs/" + job + "/result?original=true", Api.ADMIN_TOKEN)
                .json();
    }

    private static String last(List<JsonNode> events) {
        return events.getLast().get("data").get("state").asString();
    }

    /** The partial results of attempt {@code attempt}. */
    private static List<JsonNode> partials(List<JsonNode> events, int attempt) {
        List<JsonNode> partials = new ArrayList<>();
        int current = 0;
        for (JsonNode e : events) {
            if (e.get("kind").asString().equals("state")
                    && e.get("data").get("state").asString().equals("running")) {
                current = e.get("data").get("attempt").asInt();
            } else if (e.get("kind").asString().equals("partial") && current == attempt) {
                partials.add(e.get("data"));
            }
        }
        return partials;
    }

    private static List<String> texts(List<JsonNode> utterances) {
        return utterances.stream().map(u -> u.get("text").asString()).toList();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
