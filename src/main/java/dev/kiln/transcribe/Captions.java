package dev.kiln.transcribe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * A stored transcript as plain text, SubRip or WebVTT. Captions follow the usual broadcast
 * limits: at most two lines of 42 characters and 7 seconds per cue; a longer utterance is split
 * at word boundaries, timed from its words (or, without word timings, in proportion to length).
 */
final class Captions {

    static final int LINE = 42;
    static final int LINES = 2;
    static final double MAX_CUE_SECONDS = 7;

    private Captions() {}

    record Cue(double start, double end, List<String> lines) {}

    private record Token(String word, double start, double end) {}

    static String text(JsonNode transcript) {
        StringBuilder out = new StringBuilder();
        for (JsonNode segment : transcript.path("segments")) {
            out.append(segment.path("text").asString()).append('\n');
        }
        return out.toString();
    }

    static String srt(JsonNode transcript) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (Cue cue : cues(transcript)) {
            out.append(++n)
                    .append('\n')
                    .append(timestamp(cue.start(), ','))
                    .append(" --> ")
                    .append(timestamp(cue.end(), ','))
                    .append('\n')
                    .append(String.join("\n", cue.lines()))
                    .append("\n\n");
        }
        return out.toString();
    }

    static String vtt(JsonNode transcript) {
        StringBuilder out = new StringBuilder("WEBVTT\n\n");
        for (Cue cue : cues(transcript)) {
            out.append(timestamp(cue.start(), '.'))
                    .append(" --> ")
                    .append(timestamp(cue.end(), '.'))
                    .append('\n')
                    .append(String.join("\n", cue.lines()).replace("-->", "->"))
                    .append("\n\n");
        }
        return out.toString();
    }

    static List<Cue> cues(JsonNode transcript) {
        List<Cue> cues = new ArrayList<>();
        double lastEnd = 0;
        for (JsonNode segment : transcript.path("segments")) {
            List<Token> tokens = tokens(segment);
            int from = 0;
            while (from < tokens.size()) {
                int to = from + 1;
                while (to < tokens.size() && fits(tokens.subList(from, to + 1))) {
                    to++;
                }
                List<Token> run = tokens.subList(from, to);
                // Never before the previous cue, never empty: players drop or merge such cues.
                double start = Math.max(run.getFirst().start(), lastEnd);
                double end = Math.max(run.getLast().end(), start + 0.001);
                cues.add(new Cue(start, end, wrap(run)));
                lastEnd = end;
                from = to;
            }
        }
        return cues;
    }

    private static boolean fits(List<Token> run) {
        return wrap(run).size() <= LINES && run.getLast().end() - run.getFirst().start() <= MAX_CUE_SECONDS;
    }

    /** Greedy line filling; a single word longer than a line gets a line of its own. */
    private static List<String> wrap(List<Token> run) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (Token token : run) {
            if (!line.isEmpty() && line.length() + 1 + token.word().length() > LINE) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(token.word());
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static List<Token> tokens(JsonNode segment) {
        List<Token> tokens = new ArrayList<>();
        JsonNode words = segment.path("words");
        if (words.isArray() && !words.isEmpty()) {
            for (JsonNode w : words) {
                tokens.add(new Token(
                        w.path("word").asString(),
                        w.path("start").asDouble(),
                        w.path("end").asDouble()));
            }
            return tokens;
        }
        String[] parts = segment.path("text").asString("").strip().split("\\s+");
        double start = segment.path("start").asDouble();
        double span = segment.path("end").asDouble() - start;
        int total = 0;
        for (String p : parts) {
            total += p.length() + 1;
        }
        int before = 0;
        for (String p : parts) {
            if (p.isEmpty()) {
                continue;
            }
            double from = start + span * before / total;
            before += p.length() + 1;
            tokens.add(new Token(p, from, start + span * before / total));
        }
        return tokens;
    }

    static String timestamp(double seconds, char fraction) {
        long millis = Math.round(seconds * 1000);
        return String.format(
                Locale.ROOT,
                "%02d:%02d:%02d%c%03d",
                millis / 3_600_000,
                millis / 60_000 % 60,
                millis / 1000 % 60,
                fraction,
                millis % 1000);
    }
}
