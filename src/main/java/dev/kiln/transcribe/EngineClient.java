package dev.kiln.transcribe;

import dev.kiln.processors.JobErrorCode;
import dev.kiln.support.Secrets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One request to an OpenAI-compatible {@code POST /audio/transcriptions}: a chunk of audio as a WAV
 * file, {@code response_format=verbose_json}, its segments (and words) back with times from the
 * chunk's start. Interrupting the calling thread (a cancel) aborts the request.
 */
@Component
class EngineClient implements AutoCloseable {

    /** What the engine heard in one chunk; times from the start of the chunk. */
    record Heard(List<Utterance> utterances, String language) {}

    /** One request failed; {@code retryable}: worth sending the chunk again. */
    static final class Refused extends Exception {
        final JobErrorCode code;
        final int status;

        Refused(JobErrorCode code, int status, String detail, Throwable cause) {
            super(detail, cause);
            this.code = code;
            this.status = status;
        }

        boolean retryable() {
            return code == JobErrorCode.ENGINE_UNAVAILABLE;
        }
    }

    private final JsonMapper json;
    /** Null on a node without remote engines: a client starts a selector thread of its own. */
    private final HttpClient http;

    private final MeterRegistry meters;

    EngineClient(JsonMapper json, MeterRegistry meters, TranscribeSettings settings) {
        this.json = json;
        this.meters = meters;
        this.http = settings.engines().isEmpty()
                ? null
                : HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
    }

    /** Sends one chunk to the engine {@code name}, timed and counted by outcome for operators. */
    Heard transcribe(
            String name,
            TranscribeSettings.Engine engine,
            byte[] wav,
            String language,
            boolean words,
            boolean translate)
            throws Refused, InterruptedException {
        long started = System.nanoTime();
        String outcome = "cancelled";
        try {
            Heard heard = send(engine, wav, language, words, translate);
            outcome = "ok";
            return heard;
        } catch (Refused refused) {
            outcome = refused.getCause() instanceof HttpTimeoutException
                    ? "timeout"
                    : refused.status == 0 ? "unreachable" : refused.code.code();
            throw refused;
        } finally {
            Timer.builder("kiln.transcribe.engine.requests")
                    .description("Requests to remote transcription engines (one per chunk and try), by outcome")
                    .tag("engine", name)
                    .tag("outcome", outcome)
                    .register(meters)
                    .record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** {@code translate}: OpenAI's translations endpoint, which takes neither a language nor timestamp granularities. */
    private Heard send(TranscribeSettings.Engine engine, byte[] wav, String language, boolean words, boolean translate)
            throws Refused, InterruptedException {
        String boundary = "kiln-" + UUID.randomUUID();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        translate ? engine.translationsUri() : engine.transcriptionsUri())
                .timeout(engine.timeout())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        form(boundary, engine, wav, translate ? null : language, words && !translate, translate)));
        if (engine.apiKey() != null && !engine.apiKey().isBlank()) {
            request.header("Authorization", "Bearer " + engine.apiKey());
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            throw new Refused(JobErrorCode.ENGINE_UNAVAILABLE, 0, "no answer within " + engine.timeout(), e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled while a chunk was being transcribed");
            }
            throw new Refused(JobErrorCode.ENGINE_UNAVAILABLE, 0, "could not be reached", e);
        }
        int status = response.statusCode();
        if (status == 200) {
            return heard(response.body());
        }
        String detail = "HTTP " + status + ": "
                + redact(
                        new String(response.body(), 0, Math.min(response.body().length, 2_000), StandardCharsets.UTF_8),
                        engine);
        JobErrorCode code = switch (status) {
            case 401, 403 -> JobErrorCode.ENGINE_AUTH;
            case 413 -> JobErrorCode.ENGINE_CHUNK_TOO_LARGE;
            case 408, 429 -> JobErrorCode.ENGINE_UNAVAILABLE;
            default -> status >= 500 ? JobErrorCode.ENGINE_UNAVAILABLE : JobErrorCode.ENGINE_ERROR;
        };
        throw new Refused(code, status, detail, null);
    }

    /** For the log: an error body may quote the key back, in any form Secrets would not know. */
    private static String redact(String text, TranscribeSettings.Engine engine) {
        String key = engine.apiKey();
        String masked = key == null || key.isBlank() ? text : text.replace(key, "[redacted]");
        return Secrets.redact(masked);
    }

    private byte[] form(
            String boundary,
            TranscribeSettings.Engine engine,
            byte[] wav,
            String language,
            boolean words,
            boolean translate) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(wav.length + 1024);
        field(body, boundary, "model", engine.model() == null ? "" : engine.model());
        field(body, boundary, "response_format", "verbose_json");
        if (!translate) {
            field(body, boundary, "timestamp_granularities[]", "segment");
        }
        if (words) {
            field(body, boundary, "timestamp_granularities[]", "word");
        }
        if (language != null) {
            field(body, boundary, "language", language);
        }
        ascii(
                body,
                "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chunk.wav\"\r\n"
                        + "Content-Type: audio/wav\r\n\r\n");
        body.writeBytes(wav);
        ascii(body, "\r\n--" + boundary + "--\r\n");
        return body.toByteArray();
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        ascii(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
        body.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        ascii(body, "\r\n");
    }

    private static void ascii(ByteArrayOutputStream body, String text) {
        body.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** verbose_json: segments, and words either top-level (OpenAI) or in each segment; only text at worst. */
    private Heard heard(byte[] body) throws Refused {
        JsonNode answer;
        try {
            answer = json.readTree(body);
        } catch (RuntimeException e) {
            throw new Refused(JobErrorCode.ENGINE_ERROR, 200, "an answer that is not JSON", e);
        }
        if (!answer.isObject() || !answer.path("text").isString()) {
            throw new Refused(JobErrorCode.ENGINE_ERROR, 200, "an answer without text", null);
        }
        String language = answer.path("language").asString("").strip();
        List<Utterance.Word> allWords = words(answer.path("words"));
        List<Utterance> utterances = new ArrayList<>();
        for (JsonNode segment : answer.path("segments")) {
            String text = segment.path("text").asString("").strip();
            if (text.isEmpty()) {
                continue;
            }
            double start = segment.path("start").asDouble();
            double end = segment.path("end").asDouble(start);
            List<Utterance.Word> own =
                    segment.has("words") ? words(segment.path("words")) : within(allWords, start, end);
            utterances.add(new Utterance(text, start, end, own));
        }
        String text = answer.path("text").asString().strip();
        if (utterances.isEmpty() && !text.isEmpty()) {
            double end = allWords.isEmpty()
                    ? answer.path("duration").asDouble(0)
                    : allWords.getLast().end();
            utterances.add(new Utterance(
                    text, allWords.isEmpty() ? 0 : allWords.getFirst().start(), end, allWords));
        }
        return new Heard(utterances, language.isEmpty() ? null : LanguageCodes.of(language.toLowerCase(Locale.ROOT)));
    }

    private static List<Utterance.Word> words(JsonNode words) {
        List<Utterance.Word> list = new ArrayList<>();
        for (JsonNode w : words) {
            list.add(new Utterance.Word(
                    w.path("word").asString("").strip(),
                    w.path("start").asDouble(),
                    w.path("end").asDouble(),
                    w.path("probability").asDouble(1)));
        }
        return list;
    }

    /** The words whose middle falls within a segment. */
    private static List<Utterance.Word> within(List<Utterance.Word> words, double start, double end) {
        return words.stream()
                .filter(w -> (w.start() + w.end()) / 2 >= start && (w.start() + w.end()) / 2 < end)
                .toList();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
