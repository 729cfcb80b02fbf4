package dev.kiln.compat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * whisper-asr-webservice's {@code output}s, written as that service writes them: one line per segment
 * ({@code txt}); a cue per segment ({@code vtt} with {@code MM:SS.mmm} times below an hour, {@code srt}
 * with {@code HH:MM:SS,mmm}); {@code tsv} with a header and integer milliseconds; {@code json}, Whisper's
 * result ({@code text, segments, language}; words in each segment with {@code word_timestamps}).
 */
enum AsrOutput {
    TXT,
    VTT,
    SRT,
    TSV,
    JSON;

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return null for a value that is none of them */
    static AsrOutput of(String value) {
        for (AsrOutput output : values()) {
            if (output.wire().equals(value)) {
                return output;
            }
        }
        return null;
    }

    /** @param languageCode the language the result is in, as whisper-asr-webservice reports it ({@code en}) */
    String render(Transcript transcript, boolean words, String languageCode, JsonMapper json) {
        List<Map<String, Object>> segments = transcript.segments(words);
        StringBuilder out = new StringBuilder();
        switch (this) {
            case TXT -> segments.forEach(s -> out.append(text(s)).append('\n'));
            case VTT -> {
                out.append("WEBVTT\n\n");
                for (Map<String, Object> s : segments) {
                    out.append(time(s.get("start"), false, '.'))
                            .append(" --> ")
                            .append(time(s.get("end"), false, '.'))
                            .append('\n')
                            .append(text(s).replace("-->", "->"))
                            .append("\n\n");
                }
            }
            case SRT -> {
                int n = 0;
                for (Map<String, Object> s : segments) {
                    out.append(++n)
                            .append('\n')
                            .append(time(s.get("start"), true, ','))
                            .append(" --> ")
                            .append(time(s.get("end"), true, ','))
                            .append('\n')
                            .append(text(s).replace("-->", "->"))
                            .append("\n\n");
                }
            }
            case TSV -> {
                out.append("start\tend\ttext\n");
                for (Map<String, Object> s : segments) {
                    out.append(Math.round(1000 * (double) s.get("start")))
                            .append('\t')
                            .append(Math.round(1000 * (double) s.get("end")))
                            .append('\t')
                            .append(text(s).replace('\t', ' '))
                            .append('\n');
                }
            }
            case JSON -> {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("text", transcript.text());
                result.put("segments", segments);
                result.put("language", languageCode);
                out.append(json.writeValueAsString(result));
            }
        }
        return out.toString();
    }

    private static String text(Map<String, Object> segment) {
        return segment.get("text").toString().strip();
    }

    /** Whisper's timestamps: hours only when asked for or when there are any. */
    private static String time(Object seconds, boolean alwaysHours, char decimal) {
        long millis = Math.round((double) seconds * 1000);
        long hours = millis / 3_600_000;
        String clock = String.format(
                Locale.ROOT, "%02d:%02d%c%03d", millis / 60_000 % 60, millis / 1000 % 60, decimal, millis % 1000);
        return alwaysHours || hours > 0 ? String.format(Locale.ROOT, "%02d:%s", hours, clock) : clock;
    }
}
