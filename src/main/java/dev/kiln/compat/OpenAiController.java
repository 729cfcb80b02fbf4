package dev.kiln.compat;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.jobs.Job;
import dev.kiln.support.Texts;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible transcription API (docs/compat.md): {@code GET /v1/models}, {@code POST
 * /v1/audio/transcriptions} (every response format, word and segment timestamps, streaming) and
 * {@code POST /v1/audio/translations} (by a remote engine; a Vosk model transcribes only). Each
 * transcription is a Kiln job; the request waits for it (docs/compat.md, "Waiting").
 */
@Hidden // OpenAI documents this API; Kiln's OpenAPI document describes Kiln's own
@RestController
class OpenAiController {

    private static final MediaType EVENT_STREAM = MediaType.TEXT_EVENT_STREAM;

    private final Engines engines;
    private final Transcriptions transcriptions;
    private final ResultWait wait;
    private final OpenAiErrors errors;
    private final JsonMapper json;

    OpenAiController(
            Engines engines, Transcriptions transcriptions, ResultWait wait, OpenAiErrors errors, JsonMapper json) {
        this.engines = engines;
        this.transcriptions = transcriptions;
        this.wait = wait;
        this.errors = errors;
        this.json = json;
    }

    @GetMapping("/v1/models")
    Map<String, Object> models() {
        List<Map<String, Object>> data = new ArrayList<>();
        engines.all().forEach(e -> data.add(modelEntry(e.name())));
        data.add(modelEntry(Engines.ALIAS));
        return Map.of("object", "list", "data", data);
    }

    @GetMapping("/v1/models/{model}")
    Map<String, Object> model(@PathVariable String model) {
        // A blank model in a form means the default; as a model's id it names none.
        if (model.isBlank()) {
            throw CompatFailure.of(
                    CompatFailure.Kind.UNKNOWN_MODEL, "A model's id is not blank; GET /v1/models lists them.", "model");
        }
        engines.choose(model, null); // unknown: 404
        return modelEntry(model);
    }

    @PostMapping("/v1/audio/transcriptions")
    ResponseEntity<?> transcribe(
            HttpServletRequest request,
            @RequestParam(required = false) MultipartFile file,
            @RequestParam(required = false) String model,
            @RequestParam(required = false) String language,
            @RequestParam(name = "response_format", required = false) String responseFormat,
            @RequestParam(required = false) String temperature,
            @RequestParam(required = false) String stream,
            @RequestParam(name = "timestamp_granularities[]", required = false) List<String> granularities,
            @RequestParam(name = "timestamp_granularities", required = false) List<String> granularitiesUnbracketed,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestHeader(name = "Prefer", required = false) String prefer,
            HttpServletResponse response)
            throws IOException, InterruptedException {
        multipart(request);
        Form form = new Form(
                file,
                model,
                language,
                responseFormat,
                temperature,
                stream,
                granularities(granularities, granularitiesUnbracketed));
        return answer(Access.of(request), form, false, idempotencyKey, prefer, response);
    }

    /**
     * OpenAI's translation (speech in any language to English text), by a remote engine: the form
     * and answers of a transcription, without a language, timestamp granularities or a stream, as
     * OpenAI's. The Vosk models transcribe only.
     */
    @PostMapping("/v1/audio/translations")
    ResponseEntity<?> translate(
            HttpServletRequest request,
            @RequestParam(required = false) MultipartFile file,
            @RequestParam(required = false) String model,
            @RequestParam(name = "response_format", required = false) String responseFormat,
            @RequestParam(required = false) String temperature,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestHeader(name = "Prefer", required = false) String prefer,
            HttpServletResponse response)
            throws IOException, InterruptedException {
        multipart(request);
        Form form = new Form(file, model, null, responseFormat, temperature, null, List.of());
        return answer(Access.of(request), form, true, idempotencyKey, prefer, response);
    }

    /** A transcription or translation request's form fields, as sent (the granularities merged). */
    private record Form(
            MultipartFile file,
            String model,
            String language,
            String responseFormat,
            String temperature,
            String stream,
            List<String> granularities) {}

    /** Checked in the handler, not with consumes=: Spring would route other content types to the 404 below. */
    private static void multipart(HttpServletRequest request) {
        if (request.getContentType() == null
                || !request.getContentType().toLowerCase(Locale.ROOT).startsWith(MediaType.MULTIPART_FORM_DATA_VALUE)) {
            throw new ApiException(
                    ErrorCode.UNSUPPORTED_CONTENT_TYPE,
                    "Send the request as multipart/form-data, the audio as 'file'.");
        }
    }

    private ResponseEntity<?> answer(
            Access caller,
            Form form,
            boolean translate,
            String idempotencyKey,
            String prefer,
            HttpServletResponse response)
            throws IOException, InterruptedException {
        User user = caller.user();
        OpenAiFormat format = OpenAiFormat.of(form.responseFormat());
        temperature(form.temperature()); // accepted and checked; Vosk does not sample (a prompt is ignored too)
        boolean streaming = bool("stream", form.stream());
        if (form.file() == null) {
            throw CompatFailure.of(
                    CompatFailure.Kind.MISSING_FILE, "Send the audio as the multipart field 'file'.", "file");
        }
        Engines.Engine engine = translate ? translator(form.model()) : engines.choose(form.model(), form.language());
        Job job = transcriptions.submit(user, form.file(), false, engine, form.language(), translate, idempotencyKey);
        Duration limit = wait.limit(prefer);
        if (streaming) {
            stream(caller, job, limit, response);
            return null;
        }
        ResultWait.End end = wait.follow(caller, job, limit, new ResultWait.Follower() {});
        if (end == ResultWait.End.CLIENT_GONE) {
            return null;
        }
        Transcript transcript = transcriptions.result(user, job, end);
        boolean words = form.granularities().contains("word");
        boolean segments =
                form.granularities().isEmpty() || form.granularities().contains("segment");
        return withJob(format.answer(transcript, segments, words), job.id());
    }

    /** The engine a translation names (or the default), if it is a remote one: only those translate. */
    private Engines.Engine translator(String model) {
        Engines.Engine engine = engines.choose(model, null);
        if (engine.remote()) {
            return engine;
        }
        List<String> remote = engines.remoteNames();
        throw CompatFailure.of(
                CompatFailure.Kind.CANNOT_TRANSLATE,
                "The engine " + engine.name() + " transcribes only (a Vosk model, in its own language). "
                        + (remote.isEmpty()
                                ? "No engine on this server translates: use /v1/audio/transcriptions."
                                : "Remote engines translate: name one as the model (" + String.join(", ", remote)
                                        + ")."),
                "model");
    }

    /** What OpenAI answers for a path it does not have (a wrong method on a real path included). */
    @RequestMapping("/v1/**")
    ResponseEntity<?> unknown(HttpServletRequest request) {
        return ResponseEntity.status(404)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OpenAiErrors.body(
                        "Invalid URL (" + request.getMethod() + " " + request.getRequestURI() + ")",
                        "invalid_request_error",
                        null,
                        "unknown_url"));
    }

    @ExceptionHandler(CompatFailure.class)
    ResponseEntity<?> refused(CompatFailure failure) {
        return errors.answer(failure);
    }

    /**
     * {@code stream=true}: server-sent events as OpenAI sends them, each recognised utterance as a
     * {@code transcript.text.delta} while the job runs, then {@code transcript.text.done} with the
     * whole text (the deltas joined give the same text); a failure as an {@code error} event.
     */
    private void stream(Access caller, Job job, Duration limit, HttpServletResponse response)
            throws IOException, InterruptedException {
        response.setStatus(200);
        response.setContentType(EVENT_STREAM.toString());
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.setHeader("X-Accel-Buffering", "no"); // nginx: do not hold the stream back
        response.setHeader(OpenAiErrors.JOB_HEADER, job.id());
        OutputStream out = response.getOutputStream();
        out.flush();
        boolean[] sent = {false};
        ResultWait.Follower follower = new ResultWait.Follower() {
            @Override
            public void utterance(JsonNode utterance) throws IOException {
                String text = utterance.path("text").asString("");
                event(out, delta(sent[0] ? " " + text : text));
                sent[0] = true;
            }

            @Override
            public void idle() throws IOException {
                out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
        ResultWait.End end;
        try {
            end = wait.follow(caller, job, limit, follower);
        } catch (ApiException accessEnded) {
            event(out, errors.answer(accessEnded).getBody()); // the status is sent: OpenAI's error event
            return;
        }
        if (end == ResultWait.End.CLIENT_GONE) {
            return;
        }
        try {
            String text = transcriptions.result(caller.user(), job, end).text();
            if (!sent[0] && !text.isEmpty()) {
                event(out, delta(text)); // a reused result arrives whole
            }
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "transcript.text.done");
            done.put("text", text);
            event(out, done);
        } catch (CompatFailure failure) {
            event(out, OpenAiErrors.body(failure));
        } catch (IOException gone) {
            // The client went away at the very end; the job is done anyway.
        }
    }

    private static Map<String, Object> delta(String text) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("type", "transcript.text.delta");
        delta.put("delta", text);
        return delta;
    }

    private void event(OutputStream out, Object data) throws IOException {
        out.write(("data: " + json.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ResponseEntity<?> withJob(ResponseEntity<?> answer, String jobId) {
        return ResponseEntity.status(answer.getStatusCode())
                .headers(answer.getHeaders())
                .header(OpenAiErrors.JOB_HEADER, jobId)
                .body(answer.getBody());
    }

    private static Map<String, Object> modelEntry(String id) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "kiln");
        return model;
    }

    /** {@code timestamp_granularities[]} as the SDKs send it, or without brackets as some clients do. */
    private static List<String> granularities(List<String> bracketed, List<String> plain) {
        List<String> all = new ArrayList<>();
        if (bracketed != null) {
            all.addAll(bracketed);
        }
        if (plain != null) {
            all.addAll(plain);
        }
        for (String g : all) {
            if (!g.equals("word") && !g.equals("segment")) {
                throw CompatFailure.invalid(
                        "timestamp_granularities",
                        "timestamp_granularities[] takes word and segment, not '" + Texts.safe(g, 40) + "'.");
            }
        }
        return all;
    }

    private static void temperature(String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        try {
            double t = Double.parseDouble(value);
            if (t >= 0 && t <= 1) {
                return;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw CompatFailure.invalid("temperature", "temperature must be a number from 0 to 1.");
    }

    static boolean bool(String name, String value) {
        if (value == null || value.isEmpty() || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw CompatFailure.invalid(name, name + " must be true or false.");
    }
}
