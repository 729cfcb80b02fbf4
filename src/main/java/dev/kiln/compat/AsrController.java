package dev.kiln.compat;

import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.jobs.Job;
import dev.kiln.transcribe.LanguageCodes;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.json.JsonMapper;

/**
 * whisper-asr-webservice's API (docs/compat.md), so that Bazarr's Whisper provider and other clients
 * of that service work against Kiln: {@code POST /asr} answers the transcript as that service does
 * (same outputs, headers and errors), from a Kiln job on {@code kiln.compat.asr-engine} (its clients
 * cannot name an engine), which translates when it is a remote one. {@code POST /detect-language} is answered 501:
 * a Vosk model transcribes one language and cannot tell which is spoken.
 */
@Hidden // whisper-asr-webservice documents this API
@RestController
class AsrController {

    /** FastAPI's booleans. */
    private static final Set<String> TRUE = Set.of("1", "on", "t", "true", "y", "yes");

    private static final Set<String> FALSE = Set.of("0", "off", "f", "false", "n", "no");
    private static final MediaType PLAIN = new MediaType("text", "plain", StandardCharsets.UTF_8);

    private final Engines engines;
    private final Transcriptions transcriptions;
    private final ResultWait wait;
    private final AsrErrors errors;
    private final JsonMapper json;
    /** The engine {@code /asr} runs on ({@code kiln.compat.asr-engine}); null: the default. */
    private final String engine;

    AsrController(
            Engines engines,
            Transcriptions transcriptions,
            ResultWait wait,
            AsrErrors errors,
            JsonMapper json,
            CompatSettings settings) {
        this.engines = engines;
        this.engine = settings.asrEngine();
        this.transcriptions = transcriptions;
        this.wait = wait;
        this.errors = errors;
        this.json = json;
        if (engine != null) {
            try {
                engines.choose(engine, null);
            } catch (CompatFailure unknown) {
                throw new IllegalStateException("kiln.compat.asr-engine: " + unknown.getMessage());
            }
        }
    }

    @PostMapping("/asr")
    ResponseEntity<?> asr(
            @AuthenticationPrincipal User user,
            HttpServletRequest request,
            @RequestParam(name = "audio_file", required = false) MultipartFile audio,
            @RequestParam(required = false) String task,
            @RequestParam(required = false) String language,
            @RequestParam(required = false) String output,
            @RequestParam(name = "word_timestamps", required = false) String wordTimestamps,
            @RequestParam(required = false) String encode,
            @RequestParam(name = "vad_filter", required = false) String vadFilter,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestHeader(name = "Prefer", required = false) String prefer)
            throws InterruptedException {
        AsrErrors.Invalid invalid = new AsrErrors.Invalid();
        missing(invalid, audio);
        String taskName = task == null ? "transcribe" : task;
        if (!taskName.equals("transcribe") && !taskName.equals("translate")) {
            invalid.add("enum", "query", "task", "Input should be 'transcribe' or 'translate'", task);
        }
        AsrOutput format = AsrOutput.of(output == null ? "txt" : output);
        if (format == null) {
            invalid.add("enum", "query", "output", "Input should be 'txt', 'vtt', 'srt', 'tsv' or 'json'", output);
        }
        boolean words = bool(invalid, "word_timestamps", wordTimestamps, false);
        boolean encoded = bool(invalid, "encode", encode, true);
        bool(invalid, "vad_filter", vadFilter, false); // accepted: Vosk only reports stretches with words
        if (invalid.any()) {
            throw invalid;
        }
        boolean translate = taskName.equals("translate");
        Engines.Engine chosen = configured(language);
        if (translate && !chosen.remote()) {
            throw cannotTranslate(chosen);
        }
        Job job = transcriptions.submit(user, audio, !encoded, chosen, language, translate, idempotencyKey);
        Duration limit = wait.limit(prefer);
        ResultWait.End end = wait.follow(Access.of(request), job, limit, new ResultWait.Follower() {});
        if (end == ResultWait.End.CLIENT_GONE) {
            return null;
        }
        Transcript transcript = transcriptions.result(user, job, end);
        String code = language != null
                ? language
                : transcript.language() == null
                        ? null
                        : LanguageCodes.primary(LanguageCodes.of(transcript.language())); // a name, stored before codes
        String name = audio.getOriginalFilename() == null ? "audio" : audio.getOriginalFilename();
        return ResponseEntity.ok()
                .contentType(PLAIN)
                .header("Asr-Engine", "kiln")
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        "attachment; filename=\"" + quote(name) + "." + format.wire() + "\"")
                .header(OpenAiErrors.JOB_HEADER, job.id())
                .body(format.render(transcript, words, code, json));
    }

    /**
     * The engine for this request. The client cannot name one, so a configured engine that has gone
     * since the start (a model directory removed) is the server's fault: 503, not 400.
     */
    private Engines.Engine configured(String language) {
        try {
            return engines.choose(engine, language);
        } catch (CompatFailure failure) {
            if (engine == null || failure.kind() != CompatFailure.Kind.UNKNOWN_MODEL) {
                throw failure;
            }
            throw CompatFailure.of(
                    CompatFailure.Kind.ENGINE_GONE,
                    "This server's engine for /asr, '" + engine + "' (kiln.compat.asr-engine), is no longer installed;"
                            + " an operator must install it again or set another.",
                    null);
        }
    }

    /** {@code task=translate} on a Vosk model, naming the remote engines the operator could choose instead. */
    private CompatFailure cannotTranslate(Engines.Engine vosk) {
        List<String> remote = engines.remoteNames();
        return CompatFailure.of(
                CompatFailure.Kind.CANNOT_TRANSLATE,
                "This server cannot translate here: /asr runs on " + vosk.name()
                        + ", a Vosk model, which transcribes speech in its own language only. Use task=transcribe"
                        + (remote.isEmpty()
                                ? "."
                                : ", or ask the operator to set kiln.compat.asr-engine to a remote engine ("
                                        + String.join(", ", remote) + ")."),
                "task");
    }

    @PostMapping("/detect-language")
    ResponseEntity<?> detectLanguage(
            @RequestParam(name = "audio_file", required = false) MultipartFile audio,
            @RequestParam(required = false) String encode) {
        AsrErrors.Invalid invalid = new AsrErrors.Invalid();
        missing(invalid, audio);
        bool(invalid, "encode", encode, true);
        if (invalid.any()) {
            throw invalid;
        }
        List<String> installed = engines.all().stream()
                .map(e -> e.name() + (e.language() == null ? "" : " (" + e.language() + ")"))
                .toList();
        throw CompatFailure.of(
                CompatFailure.Kind.CANNOT_DETECT,
                "This server cannot detect the spoken language: each of its Vosk models transcribes one language ("
                        + String.join(", ", installed) + "). Name the language with /asr?language=….",
                null);
    }

    /** What FastAPI answers for another method on its paths. */
    @RequestMapping({"/asr", "/detect-language"})
    ResponseEntity<?> otherMethod() {
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED)
                .allow(HttpMethod.POST)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("detail", "Method Not Allowed"));
    }

    /** What FastAPI answers for a path it does not have ({@code /asr/…}: a base URL given with its path). */
    @RequestMapping({"/asr/**", "/detect-language/**"})
    ResponseEntity<?> unknown() {
        return ResponseEntity.status(HttpStatus.NOT_FOUND)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("detail", "Not Found"));
    }

    @ExceptionHandler(CompatFailure.class)
    ResponseEntity<?> refused(CompatFailure failure) {
        return errors.answer(failure);
    }

    @ExceptionHandler(AsrErrors.Invalid.class)
    ResponseEntity<?> invalid(AsrErrors.Invalid invalid) {
        return errors.answer(invalid);
    }

    private static void missing(AsrErrors.Invalid invalid, MultipartFile audio) {
        if (audio == null) {
            invalid.add("missing", "body", "audio_file", "Field required", null);
        }
    }

    private static boolean bool(AsrErrors.Invalid invalid, String name, String value, boolean fallback) {
        if (value == null) {
            return fallback;
        }
        String v = value.toLowerCase(Locale.ROOT);
        if (TRUE.contains(v)) {
            return true;
        }
        if (!FALSE.contains(v)) {
            invalid.add(
                    "bool_parsing", "query", name, "Input should be a valid boolean, unable to interpret input", value);
        }
        return false;
    }

    /** Python's {@code urllib.parse.quote}: all but letters, digits, {@code _.-~} and {@code /} percent-encoded. */
    static String quote(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_.-~/".indexOf(c) >= 0) {
                out.write(c);
            } else {
                out.writeBytes(String.format(Locale.ROOT, "%%%02X", b & 0xff).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
