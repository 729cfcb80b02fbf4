package dev.kiln.compat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import tools.jackson.databind.JsonNode;

/**
 * A {@code transcribe} result in Whisper's vocabulary, which both foreign APIs answer in: segments
 * with {@code id, seek, start, end, text, tokens, temperature, avg_logprob, compression_ratio,
 * no_speech_prob}, and words. What Vosk does not have is given its neutral value: no token ids, a
 * temperature of 0 (Vosk does not sample), a no-speech probability of 0 (Vosk only reports
 * stretches with words); {@code avg_logprob} is the mean log of the words' confidences, {@code seek}
 * the segment's start in 10 ms frames, and {@code compression_ratio} is computed as Whisper does.
 */
record Transcript(JsonNode result) {

    String text() {
        return result.path("text").asString("");
    }

    double duration() {
        return result.path("duration").asDouble(0);
    }

    /** {@code transcribe}, or {@code translate} for a remote engine's translation to English. */
    String task() {
        return result.path("task").asString("transcribe");
    }

    /** The engine's language tag, e.g. {@code en-us}; null when it does not say. */
    String language() {
        String language = result.path("language").asString("");
        return language.isEmpty() || language.equals("unknown") ? null : language;
    }

    /** Whisper's segments; each with its words ({@code word, start, end, probability}) when {@code withWords}. */
    List<Map<String, Object>> segments(boolean withWords) {
        List<Map<String, Object>> segments = new ArrayList<>();
        int id = 0;
        for (JsonNode segment : result.path("segments")) {
            String text = segment.path("text").asString("").strip();
            double start = segment.path("start").asDouble();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", id++);
            s.put("seek", Math.round(start * 100));
            s.put("start", start);
            s.put("end", segment.path("end").asDouble());
            s.put("text", text);
            s.put("tokens", List.of());
            s.put("temperature", 0.0);
            s.put("avg_logprob", averageLogProbability(segment.path("words")));
            s.put("compression_ratio", compressionRatio(text));
            s.put("no_speech_prob", 0.0);
            if (withWords) {
                List<Map<String, Object>> words = new ArrayList<>();
                for (JsonNode w : segment.path("words")) {
                    Map<String, Object> word = word(w);
                    word.put("probability", w.path("conf").asDouble(1));
                    words.add(word);
                }
                s.put("words", words);
            }
            segments.add(s);
        }
        return segments;
    }

    /** Every word of the transcript in order: {@code word, start, end}. */
    List<Map<String, Object>> words() {
        List<Map<String, Object>> words = new ArrayList<>();
        for (JsonNode segment : result.path("segments")) {
            for (JsonNode w : segment.path("words")) {
                words.add(word(w));
            }
        }
        return words;
    }

    private static Map<String, Object> word(JsonNode w) {
        Map<String, Object> word = new LinkedHashMap<>();
        word.put("word", w.path("word").asString(""));
        word.put("start", w.path("start").asDouble());
        word.put("end", w.path("end").asDouble());
        return word;
    }

    private static double averageLogProbability(JsonNode words) {
        if (!words.isArray() || words.isEmpty()) {
            return 0.0;
        }
        double sum = 0;
        for (JsonNode w : words) {
            sum += Math.log(Math.max(1e-6, Math.min(1, w.path("conf").asDouble(1))));
        }
        return round(sum / words.size());
    }

    /** The text's length over its zlib-compressed length, as Whisper measures repetition. */
    static double compressionRatio(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return 0.0;
        }
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(bytes);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return round((double) text.length() / out.size());
        } finally {
            deflater.end();
        }
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
