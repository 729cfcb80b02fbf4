package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.Multipart;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible API over real HTTP against a real Kiln, with the speech fixture: every
 * response format, word and segment timestamps, streaming, the wait and its 504, idempotency, and
 * errors in OpenAI's shape. Tests that only read a transcript share one reader (the recording is
 * transcribed once, then reused: CPU is scarce); a test that needs the job to really run speaks as
 * a member of its own.
 */
abstract class CompatApiContract extends ApiTestBase {

    static final String TRANSCRIPTIONS = "/v1/audio/transcriptions";
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Per database (each runs its own Kiln): the member whose transcript the reading tests share. */
    private static final java.util.Map<Integer, String> READERS = new java.util.concurrent.ConcurrentHashMap<>();

    String member;
    String reader;

    @Autowired
    MeterRegistry meters;

    @Autowired
    Engines engines;

    @BeforeEach
    void members() {
        member = api.newMember("openai-" + UUID.randomUUID());
        reader = READERS.computeIfAbsent(port, p -> api.newMember("reader-" + UUID.randomUUID()));
    }

    static Multipart speech(String... fields) {
        Multipart form = new Multipart().file("file", "speech.wav", Fixtures.bytes("speech.wav"));
        for (int i = 0; i < fields.length; i += 2) {
            form.field(fields[i], fields[i + 1]);
        }
        return form;
    }

    double refused(String limit) {
        return meters.get("kiln.requests.refused").tag("limit", limit).counter().count();
    }

    Api.Response post(Multipart form, String token, String... headers) {
        HttpRequest.Builder request = form.post(api, TRANSCRIPTIONS, token).timeout(Duration.ofMinutes(2));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return api.send(request.build());
    }

    static String jobOf(Api.Response response) {
        return response.header("Kiln-Job-Id").orElseThrow(() -> new AssertionError("no Kiln-Job-Id: " + response));
    }

    static void assertOpenAiError(Api.Response response, int status, String type, String param, String code) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode error = response.json().get("error");
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("type").asString()).isEqualTo(type);
        assertThat(error.get("param").isNull() ? null : error.get("param").asString())
                .isEqualTo(param);
        assertThat(error.get("code").asString()).isEqualTo(code);
    }

    @Test
    void aTranscriptionIsAKilnJobOfTheCallerAndJsonItsDefaultAnswer() {
        Api.Response answer = post(speech("model", "whisper-1"), reader);

        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.header("Content-Type").orElseThrow()).startsWith("application/json");
        String text = answer.json().get("text").asString();
        assertThat(text).contains("quarterly report", "friday", "conference room");
        assertThat(answer.json().get("usage").get("type").asString()).isEqualTo("duration");
        assertThat(answer.json().get("usage").get("seconds").asLong()).isBetween(5L, 15L);
        JsonNode job = api.job(reader, jobOf(answer));
        assertThat(job.get("type").asString()).isEqualTo("transcribe");
        assertThat(job.get("state").asString()).isEqualTo("succeeded");
        assertThat(job.get("params").get("model").asString()).isEqualTo("en-us");
        assertThat(api.get("/api/v1/jobs", reader)
                        .json()
                        .get("items")
                        .get(0)
                        .get("id")
                        .asString())
                .isEqualTo(job.get("id").asString());
        assertThat(api.get("/api/v1/jobs/" + job.get("id").asString() + "/result?format=txt", reader)
                        .body()
                        .replace('\n', ' ')
                        .strip())
                .isEqualTo(text);
    }

    @Test
    void everyResponseFormatIsTheSameTranscriptReusedAndStoredOnce() {
        Api.Response json = post(speech("response_format", "json"), reader);
        String text = json.json().get("text").asString();

        Api.Response plain = post(speech("response_format", "text"), reader);
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(plain.body()).isEqualTo(text + "\n");

        Api.Response srt = post(speech("response_format", "srt"), reader);
        assertThat(srt.header("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(srt.body()).matches("(?s)1\\n00:00:0\\d,\\d{3} --> 00:00:\\d\\d,\\d{3}\\n.*");
        assertThat(srt.body()
                        .replaceAll("(?m)^(\\d+|.* --> .*)$", "")
                        .replaceAll("\\s+", " ")
                        .strip())
                .isEqualTo(text);

        Api.Response vtt = post(speech("response_format", "vtt"), reader);
        assertThat(vtt.header("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(vtt.body()).matches("(?s)WEBVTT\\n\\n00:00:0\\d\\.\\d{3} --> .*");

        Api.Response verbose = post(speech("response_format", "verbose_json"), reader);
        JsonNode body = verbose.json();
        assertThat(body.get("task").asString()).isEqualTo("transcribe");
        assertThat(body.get("language").asString()).isEqualTo("english");
        assertThat(body.get("duration").asDouble()).isBetween(5.0, 15.0);
        assertThat(body.get("text").asString()).isEqualTo(text);
        assertThat(body.has("words")).as("words only when asked for").isFalse();
        JsonNode first = body.get("segments").get(0);
        assertThat(first.propertyNames())
                .containsExactly(
                        "id",
                        "seek",
                        "start",
                        "end",
                        "text",
                        "tokens",
                        "temperature",
                        "avg_logprob",
                        "compression_ratio",
                        "no_speech_prob");
        assertThat(first.get("id").asInt()).isZero();
        assertThat(first.get("end").asDouble()).isGreaterThan(first.get("start").asDouble());
        assertThat(first.get("avg_logprob").asDouble()).isLessThanOrEqualTo(0);
        assertThat(first.get("compression_ratio").asDouble()).isGreaterThan(0);
        List<String> segmentTexts = new ArrayList<>();
        body.get("segments").forEach(s -> segmentTexts.add(s.get("text").asString()));
        assertThat(String.join(" ", segmentTexts)).isEqualTo(text);

        // One job ran; every other took its result, and the recording is one file.
        String ran = api.job(reader, jobOf(json)).path("reusedFrom").asString(jobOf(json));
        for (Api.Response reused : List.of(plain, srt, vtt, verbose)) {
            assertThat(api.job(reader, jobOf(reused)).get("reusedFrom").asString())
                    .isEqualTo(ran);
        }
        assertThat(api.get("/api/v1/files", reader).json().get("items")).hasSize(1);
    }

    @Test
    void wordTimestampsListEveryWordInOrder() {
        Api.Response words =
                post(speech("response_format", "verbose_json", "timestamp_granularities[]", "word"), reader);
        JsonNode body = words.json();
        assertThat(body.has("segments"))
                .as("segments only when asked for (or nothing is)")
                .isFalse();
        List<String> said = new ArrayList<>();
        double last = 0;
        for (JsonNode word : body.get("words")) {
            assertThat(word.propertyNames()).containsExactly("word", "start", "end");
            assertThat(word.get("start").asDouble()).isGreaterThanOrEqualTo(last);
            assertThat(word.get("end").asDouble())
                    .isGreaterThan(word.get("start").asDouble());
            last = word.get("start").asDouble();
            said.add(word.get("word").asString());
        }
        assertThat(String.join(" ", said)).isEqualTo(body.get("text").asString());

        Api.Response both = post(
                speech(
                        "response_format",
                        "verbose_json",
                        "timestamp_granularities[]",
                        "word",
                        "timestamp_granularities[]",
                        "segment"),
                reader);
        assertThat(both.json().get("words")).hasSize(said.size());
        assertThat(both.json().get("segments")).isNotEmpty();
    }

    @Test
    void streamingSendsEachUtteranceAsItIsRecognisedThenTheWholeText() {
        Api.Response stream = post(speech("stream", "true"), member);

        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<JsonNode> events = new ArrayList<>();
        for (String line : stream.body().split("\n")) {
            if (line.startsWith("data: ")) {
                events.add(JSON.readTree(line.substring(6)));
            }
        }
        assertThat(events).hasSizeGreaterThan(1);
        StringBuilder deltas = new StringBuilder();
        for (JsonNode delta : events.subList(0, events.size() - 1)) {
            assertThat(delta.get("type").asString()).isEqualTo("transcript.text.delta");
            deltas.append(delta.get("delta").asString());
        }
        JsonNode done = events.getLast();
        assertThat(done.get("type").asString()).isEqualTo("transcript.text.done");
        assertThat(done.get("text").asString()).contains("conference room").isEqualTo(deltas.toString());
        // The deltas were the job's own utterances as it ran, not a result replayed.
        String job = jobOf(stream);
        assertThat(api.job(member, job).has("reusedFrom")).isFalse();
        long partials = api.events(member, job).stream()
                .filter(e -> e.get("kind").asString().equals("partial"))
                .count();
        assertThat(events).hasSize((int) partials + 1);
    }

    @Test
    void aWaitShorterThanTheJobAnswers504WithTheJobWhichRunsOn() {
        Api.Response waited = post(speech(), member, "Prefer", "wait=0");

        assertOpenAiError(waited, 504, "server_error", null, "job_still_running");
        assertThat(waited.header("x-should-retry")).contains("false");
        String job = jobOf(waited);
        assertThat(waited.json().get("error").get("message").asString()).contains(job);
        assertThat(api.state(member, job)).isIn("queued", "running");
        api.postEmpty("/api/v1/jobs/" + job + "/cancel", member); // its end is another test's
    }

    @Test
    void theSameIdempotencyKeyAnswersTheSameJob() {
        String key = "call-" + UUID.randomUUID();
        Api.Response first = post(speech("response_format", "text"), reader, "Idempotency-Key", key);
        Api.Response again = post(speech("response_format", "text"), reader, "Idempotency-Key", key);
        Api.Response other = post(speech("response_format", "text"), reader, "Idempotency-Key", key + "-2");

        assertThat(again.status()).isEqualTo(200);
        assertThat(jobOf(again)).isEqualTo(jobOf(first));
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(jobOf(other)).isNotEqualTo(jobOf(first));
    }

    @Test
    void aClientThatGoesAwayLeavesItsJobRunning() throws Exception {
        Multipart form =
                new Multipart().file("file", "long.wav", Fixtures.longSpeech(3)).field("stream", "true");
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(form.post(api, TRANSCRIPTIONS, member).build(), HttpResponse.BodyHandlers.ofInputStream());
        String job = response.headers().firstValue("Kiln-Job-Id").orElseThrow();
        response.body().close();

        assertThat(api.events(member, job).getLast().get("data").get("state").asString())
                .isEqualTo("succeeded");
    }

    @Test
    void theModelsAreTheTranscribeEnginesAndWhisper1() {
        Api.Response models = api.get("/v1/models", member);

        assertThat(models.json().get("object").asString()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        for (JsonNode model : models.json().get("data")) {
            assertThat(model.get("object").asString()).isEqualTo("model");
            assertThat(model.get("owned_by").asString()).isEqualTo("kiln");
            ids.add(model.get("id").asString());
        }
        assertThat(ids).startsWith("en-us").endsWith("whisper-1");
        assertThat(api.get("/v1/models/whisper-1", member).json().get("id").asString())
                .isEqualTo("whisper-1");
        assertOpenAiError(
                api.get("/v1/models/gpt-9", member), 404, "invalid_request_error", "model", "model_not_found");
    }

    @Test
    void badRequestsAreRefusedInOpenAisShape() {
        assertOpenAiError(
                api.send(new Multipart()
                        .field("model", "whisper-1")
                        .post(api, TRANSCRIPTIONS, member)
                        .build()),
                400,
                "invalid_request_error",
                "file",
                "missing_required_parameter");
        assertOpenAiError(
                post(speech("response_format", "docx"), member),
                400,
                "invalid_request_error",
                "response_format",
                "invalid_value");
        assertOpenAiError(
                post(speech("model", "gpt-9"), member), 404, "invalid_request_error", "model", "model_not_found");
        assertOpenAiError(
                post(speech("timestamp_granularities[]", "sentence"), member),
                400,
                "invalid_request_error",
                "timestamp_granularities",
                "invalid_value");
        assertOpenAiError(
                post(speech("temperature", "3"), member), 400, "invalid_request_error", "temperature", "invalid_value");
        assertOpenAiError(
                post(speech("language", "de"), member),
                400,
                "invalid_request_error",
                "language",
                "unsupported_language");
        // Whisper's own code for Javanese (ISO's is jv) is a language no engine here has, not a malformed one.
        assertOpenAiError(
                post(speech("language", "jw"), member),
                400,
                "invalid_request_error",
                "language",
                "unsupported_language");
        assertOpenAiError(
                api.send(new Multipart()
                        .file("file", "notes.txt", "no speech here".getBytes())
                        .post(api, TRANSCRIPTIONS, member)
                        .build()),
                415,
                "invalid_request_error",
                null,
                "unsupported_media_type");
        double tooLarge = refused("file_too_large");
        assertOpenAiError(
                api.send(new Multipart()
                        .file("file", "long.wav", Fixtures.longSpeech(4)) // past the tests' 1MB
                        .post(api, TRANSCRIPTIONS, member)
                        .build()),
                413,
                "invalid_request_error",
                null,
                "file_too_large");
        assertThat(refused("file_too_large")).isEqualTo(tooLarge + 1); // Spring's multipart limit counts too
        assertOpenAiError(
                api.post(TRANSCRIPTIONS, member, "{\"model\":\"whisper-1\"}"),
                415,
                "invalid_request_error",
                null,
                "unsupported_content_type");
        assertOpenAiError(
                api.send(speech().post(api, "/v1/audio/translations", member).build()),
                400,
                "invalid_request_error",
                "model",
                "translation_not_supported");
        assertOpenAiError(api.get(TRANSCRIPTIONS, member), 404, "invalid_request_error", null, "unknown_url");
        assertThat(api.get("/api/v1/jobs", member).json().get("items"))
                .as("nothing refused made a job")
                .isEmpty();
    }

    /** Was the web app's page (200, HTML) for GET /v1 and any /asr/… path, and problem+json for POST /asr/…. */
    @Test
    void pathsTheApisDoNotHaveAreTheir404NotTheWebApp() {
        for (String path : List.of("/v1", "/v1/", "/v1/nope", "/v1/audio")) {
            assertOpenAiError(api.get(path, member), 404, "invalid_request_error", null, "unknown_url");
            assertOpenAiError(api.get(path, null), 401, "invalid_request_error", null, "missing_api_key");
        }
        assertOpenAiError(api.post("/v1/chat/nope", member, "{}"), 404, "invalid_request_error", null, "unknown_url");
        for (String path : List.of("/asr/", "/asr/nope", "/asr/asr", "/detect-language/x")) {
            for (String method : List.of("GET", "POST")) {
                Api.Response response = api.send(api.request(path, member)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build());
                assertThat(response.status())
                        .as(method + " " + path + ": " + response)
                        .isEqualTo(404);
                assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/json");
                assertThat(response.json().get("detail").asString()).isEqualTo("Not Found");
            }
            Api.Response anonymous = api.get(path, null);
            assertThat(anonymous.status()).as(path + ": " + anonymous).isEqualTo(401);
            assertThat(anonymous.json().get("detail").asString()).isEqualTo("Not authenticated");
        }
    }

    @Test
    void aFormThatDoesNotParseIsRefusedInEachApisShape() {
        // Was 500 internal_error: Tomcat's refusal to parse the parts, answered as a failure of ours.
        String broken = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nno end";
        for (String path : List.of(TRANSCRIPTIONS, "/v1/audio/translations", "/asr")) {
            Api.Response response = api.send(api.request(path, member)
                    .header("Content-Type", "multipart/form-data; boundary=b")
                    .POST(HttpRequest.BodyPublishers.ofString(broken))
                    .build());
            if (path.equals("/asr")) {
                assertThat(response.status()).as(response.toString()).isEqualTo(400);
                assertThat(response.json().get("detail").asString()).contains("multipart body");
            } else {
                assertOpenAiError(response, 400, "invalid_request_error", null, "malformed_request");
            }
        }
        // A blank model in a form is the default, but no model's id.
        assertOpenAiError(api.get("/v1/models/%20", member), 404, "invalid_request_error", "model", "model_not_found");
        // Was Kiln's problem document: a URL or method the firewall refuses, answered in OpenAI's shape too.
        Api.Response traversal = api.get("/v1/models/%2e%2e", member);
        assertOpenAiError(traversal, 400, "invalid_request_error", null, "malformed_request");
        assertThat(api.send(api.request("/asr", member)
                                .method("PROPFIND", HttpRequest.BodyPublishers.noBody())
                                .build())
                        .json()
                        .get("detail")
                        .asString())
                .contains("PROPFIND");
        assertThat(api.get("/api/v1/jobs", member).json().get("items")).isEmpty();
    }

    @Test
    void aRecordingTheEngineCannotReadFailsItsJobAndSaysSo() {
        Api.Response corrupt = api.send(new Multipart()
                .file("file", "corrupt.wav", Fixtures.bytes("corrupt.wav"))
                .post(api, TRANSCRIPTIONS, member)
                .build());

        assertOpenAiError(corrupt, 400, "invalid_request_error", "file", "media_unreadable");
        assertThat(api.state(member, jobOf(corrupt))).isEqualTo("failed");
    }

    @Test
    void credentialsAreKilnTokensRefusedInOpenAisShape() {
        assertOpenAiError(post(speech(), null), 401, "invalid_request_error", null, "missing_api_key");
        assertOpenAiError(api.get("/v1/models", "kiln_forged"), 401, "invalid_request_error", null, "invalid_api_key");
        assertThat(api.get("/v1/models", "kiln_forged").header("WWW-Authenticate"))
                .contains("Bearer");
        assertOpenAiError(
                api.get("/v1/models", api.newWorker("w-" + UUID.randomUUID())),
                403,
                "invalid_request_error",
                null,
                "forbidden");
    }

    // whisper-asr-webservice's /asr and /detect-language.

    Api.Response asr(String query, Multipart form, String token) {
        return api.send(form.post(api, "/asr" + query, token)
                .timeout(Duration.ofMinutes(2))
                .build());
    }

    static Multipart audioFile(byte[] content, String name) {
        return new Multipart().file("audio_file", name, content);
    }

    @Test
    void asrAnswersEveryOutputAsWhisperAsrWebserviceDoes() {
        Multipart speech = audioFile(Fixtures.bytes("speech.wav"), "speech.wav");
        Api.Response txt = asr("", speech, reader);

        assertThat(txt.status()).as(txt.toString()).isEqualTo(200);
        assertThat(txt.header("Content-Type").orElseThrow()).isEqualToIgnoringCase("text/plain;charset=UTF-8");
        assertThat(txt.header("Asr-Engine")).isPresent();
        assertThat(txt.header("Content-Disposition")).contains("attachment; filename=\"speech.wav.txt\"");
        assertThat(api.job(reader, jobOf(txt)).get("type").asString()).isEqualTo("transcribe");
        String text = txt.body().strip().replace('\n', ' ');
        assertThat(text).contains("quarterly report", "conference room");
        assertThat(asr("?output=txt&task=transcribe&language=en", speech, reader)
                        .body())
                .isEqualTo(txt.body());

        JsonNode json = asr("?output=json", speech, reader).json();
        assertThat(json.propertyNames()).containsExactly("text", "segments", "language");
        assertThat(json.get("text").asString()).isEqualTo(text);
        assertThat(json.get("language").asString()).isEqualTo("en");
        assertThat(json.get("segments").get(0).has("words")).isFalse();
        assertThat(json.get("segments").get(0).has("avg_logprob")).isTrue();
        JsonNode word = asr("?output=json&word_timestamps=true", speech, reader)
                .json()
                .get("segments")
                .get(0)
                .get("words")
                .get(0);
        assertThat(word.propertyNames()).containsExactly("word", "start", "end", "probability");
        assertThat(word.get("probability").asDouble()).isBetween(0.0, 1.0);

        Api.Response vtt = asr("?output=vtt", speech, reader);
        assertThat(vtt.header("Content-Disposition")).contains("attachment; filename=\"speech.wav.vtt\"");
        assertThat(vtt.body())
                .matches("(?s)WEBVTT\\n\\n\\d\\d:\\d\\d\\.\\d{3} --> \\d\\d:\\d\\d\\.\\d{3}\\n[a-z].*\\n\\n");
        assertThat(asr("?output=srt", speech, reader).body())
                .matches("(?s)1\\n00:00:\\d\\d,\\d{3} --> 00:00:\\d\\d,\\d{3}\\n[a-z].*\\n\\n");
        List<String> tsv = asr("?output=tsv", speech, reader).body().lines().toList();
        assertThat(tsv.getFirst()).isEqualTo("start\tend\ttext");
        assertThat(tsv.subList(1, tsv.size())).allMatch(line -> line.matches("\\d+\t\\d+\t[a-z].*"));
        assertThat(tsv).hasSize(json.get("segments").size() + 1);
    }

    @Test
    void encodeFalseTakesRawPcmAsBazarrSendsIt() {
        Api.Response raw = asr(
                "?task=transcribe&language=en&output=srt&encode=false",
                audioFile(Fixtures.pcm("speech.wav"), "audio_file"),
                reader);

        assertThat(raw.status()).as(raw.toString()).isEqualTo(200);
        assertThat(raw.body()).startsWith("1\n00:00:0").contains("conference room");
        assertThat(raw.header("Content-Disposition")).contains("attachment; filename=\"audio_file.srt\"");
    }

    @Test
    void anAsrEngineThatDoesNotExistStopsTheStart() {
        CompatSettings settings = new CompatSettings(Duration.ofSeconds(1), false, null, "nowhere");
        assertThatThrownBy(() -> new AsrController(engines, null, null, null, null, settings))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kiln.compat.asr-engine", "'nowhere'", "en-us");
    }

    @Test
    void asrRefusesAsItsFastApiServiceDoes() {
        Api.Response missing = asr("?output=json", new Multipart().field("other", "x"), member);
        assertThat(missing.status()).isEqualTo(422);
        JsonNode error = missing.json().get("detail").get(0);
        assertThat(error.get("type").asString()).isEqualTo("missing");
        assertThat(error.get("loc").toString()).isEqualTo("[\"body\",\"audio_file\"]");

        Multipart speech = audioFile(Fixtures.bytes("speech.wav"), "speech.wav");
        Api.Response invalid = asr("?output=pdf&word_timestamps=maybe", speech, member);
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.json().get("detail")).hasSize(2);
        assertThat(invalid.json().get("detail").get(0).get("type").asString()).isEqualTo("enum");
        assertThat(invalid.json().get("detail").get(0).get("input").asString()).isEqualTo("pdf");
        assertThat(invalid.json().get("detail").get(1).get("type").asString()).isEqualTo("bool_parsing");

        Api.Response translate = asr("?task=translate", speech, member);
        assertThat(translate.status()).isEqualTo(400);
        assertThat(translate.json().get("detail").asString()).contains("cannot translate");
        assertThat(asr("?language=de", speech, member).json().get("detail").asString())
                .contains("No model here transcribes 'de'");

        Api.Response anonymous = asr("", speech, null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.json().get("detail").asString()).isEqualTo("Not authenticated");
        assertThat(asr("", speech, "kiln_forged").json().get("detail").asString())
                .isEqualTo("Invalid authentication credentials");

        Api.Response detect =
                api.send(speech.post(api, "/detect-language", member).build());
        assertThat(detect.status()).isEqualTo(501);
        assertThat(detect.json().get("detail").asString()).contains("cannot detect the spoken language");
        Api.Response get = api.get("/asr", member);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.json().get("detail").asString()).isEqualTo("Method Not Allowed");

        assertThat(api.get("/api/v1/jobs", member).json().get("items"))
                .as("nothing refused made a job")
                .isEmpty();
    }

    /** Bazarr is configured with a URL only; requests sends its user info as Basic credentials. */
    @Test
    void aUrlWithTheTokenAsItsPasswordAuthenticates() {
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("bazarr:" + member).getBytes());
        String forged = "Basic " + java.util.Base64.getEncoder().encodeToString("bazarr:kiln_forged".getBytes());
        Multipart empty = new Multipart().field("other", "x");

        Api.Response authenticated = api.send(
                empty.post(api, "/asr", null).header("Authorization", basic).build());
        assertThat(authenticated.status())
                .as("past authentication, refused for the missing file")
                .isEqualTo(422);
        Api.Response refused = api.send(
                empty.post(api, "/asr", null).header("Authorization", forged).build());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().get("detail").asString()).isEqualTo("Invalid authentication credentials");
        assertThat(api.send(api.request("/api/v1/jobs", null)
                                .header("Authorization", basic)
                                .build())
                        .status())
                .as("Kiln's own API takes bearer tokens only")
                .isEqualTo(401);
    }
}
