package dev.kiln.compat;

import dev.kiln.processors.TranscriptFormats;
import dev.kiln.support.Texts;
import dev.kiln.transcribe.LanguageCodes;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * OpenAI's {@code response_format}s of a transcription: {@code json} ({@code {text, usage}}), {@code
 * verbose_json} ({@code {task, language, duration, text, segments, words}}), and {@code text}, {@code
 * srt} and {@code vtt} as {@code text/plain} (captions as Kiln renders them everywhere).
 */
enum OpenAiFormat {
    JSON,
    TEXT,
    SRT,
    VTT,
    VERBOSE_JSON;

    private static final MediaType PLAIN = new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8);

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws CompatFailure naming the formats when {@code value} is none of them */
    static OpenAiFormat of(String value) {
        if (value == null || value.isEmpty()) {
            return JSON;
        }
        return Arrays.stream(values())
                .filter(f -> f.wire().equals(value))
                .findFirst()
                .orElseThrow(() -> CompatFailure.invalid(
                        "response_format",
                        "response_format must be one of json, text, srt, verbose_json or vtt, not '"
                                + Texts.safe(value, 40) + "'."));
    }

    /**
     * The transcript in this format.
     *
     * @param segments whether verbose_json lists segments (timestamp granularity {@code segment}, or none asked)
     * @param words    whether verbose_json lists words (timestamp granularity {@code word})
     */
    ResponseEntity<?> answer(Transcript transcript, boolean segments, boolean words) {
        return switch (this) {
            case JSON -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("text", transcript.text());
                body.put("usage", usage(transcript));
                yield ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(body);
            }
            case VERBOSE_JSON -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("task", transcript.task());
                body.put("language", LanguageCodes.name(transcript.language()));
                body.put("duration", transcript.duration());
                body.put("text", transcript.text());
                if (segments) {
                    body.put("segments", transcript.segments(false));
                }
                if (words) {
                    body.put("words", transcript.words());
                }
                body.put("usage", usage(transcript));
                yield ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(body);
            }
            case TEXT -> plain(transcript.text() + "\n");
            case SRT -> plain(TranscriptFormats.srt(transcript.result()));
            case VTT -> plain(TranscriptFormats.vtt(transcript.result()));
        };
    }

    /** What OpenAI bills a whisper transcription by: the audio's length, in whole seconds. */
    private static Map<String, Object> usage(Transcript transcript) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("type", "duration");
        usage.put("seconds", (long) Math.ceil(transcript.duration()));
        return usage;
    }

    private static ResponseEntity<String> plain(String text) {
        return ResponseEntity.ok().contentType(PLAIN).body(text);
    }
}
