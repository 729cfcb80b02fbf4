package dev.kiln.processors;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A stored transcript ({@link ResultShape#TRANSCRIPT}) as plain text, SubRip or WebVTT. Captions
 * follow the usual broadcast limits: at most two lines of 42 characters and 7 seconds per cue; a
 * longer segment is split at word boundaries, timed from its words (or, without word timings, in
 * proportion to length). A segment's {@code speaker} is shown by the name its owner gave it
 * ({@code speakerNames}), else by the engine's id: {@code [Ana]} in text, {@code <v Ana>} in
 * WebVTT, {@code Ana:} in SubRip (counted in the line length there, since it is shown).
 */
public final class TranscriptFormats {

    /** Runs of line breaks, other control characters and separators: a speaker label goes on one line. */
    private static final Pattern BREAKS = Pattern.compile("[\\p{Cc}\\p{Z}\\s]+");

    static final int LINE = 42;
    static final int LINES = 2;
    static final double MAX_CUE_SECONDS = 7;

    private TranscriptFormats() {}

    /** @param speaker the speaker's display name, or null */
    record Cue(double start, double end, List<String> lines, String speaker) {}

    private record Token(String word, double start, double end) {}

    public static String text(JsonNode transcript) {
        StringBuilder out = new StringBuilder();
        for (JsonNode segment : transcript.path("segments")) {
            String speaker = speaker(transcript, segment);
            if (speaker != null) {
                out.append('[').append(speaker).append("] ");
            }
            out.append(segment.path("text").asString().strip()).append('\n');
        }
        return out.toString();
    }

    public static String srt(JsonNode transcript) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (Cue cue : cues(transcript, true)) {
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

    public static String vtt(JsonNode transcript) {
        StringBuilder out = new StringBuilder("WEBVTT\n\n");
        for (Cue cue : cues(transcript, false)) {
            out.append(timestamp(cue.start(), '.'))
                    .append(" --> ")
                    .append(timestamp(cue.end(), '.'))
                    .append('\n');
            if (cue.speaker() != null) {
                out.append("<v ")
                        .append(cue.speaker().replaceAll("[<>&\n]", " "))
                        .append('>');
            }
            out.append(String.join("\n", cue.lines())
                            .replace("&", "&amp;")
                            .replace("<", "&lt;")
                            .replace(">", "&gt;"))
                    .append("\n\n");
        }
        return out.toString();
    }

    /**
     * The speaker's display name: the owner's rename, else the engine's id; null when the segment has
     * none. On one line: a worker's label (or a name stored before names were checked) with a line
     * break would end a cue early and start one of its own.
     */
    static String speaker(JsonNode transcript, JsonNode segment) {
        String id = segment.path("speaker").asString("");
        if (id.isBlank()) {
            return null;
        }
        String name = transcript.path("speakerNames").path(id).asString("");
        return BREAKS.matcher(name.isBlank() ? id : name).replaceAll(" ").strip();
    }

    /** @param prefixed whether the speaker's name opens the cue's text (SubRip), counted in its lines */
    static List<Cue> cues(JsonNode transcript, boolean prefixed) {
        List<Cue> cues = new ArrayList<>();
        double lastEnd = 0;
        for (JsonNode segment : transcript.path("segments")) {
            String speaker = speaker(transcript, segment);
            List<Token> tokens = tokens(segment);
            if (prefixed && speaker != null && !tokens.isEmpty()) {
                Token first = tokens.getFirst();
                tokens.addFirst(new Token(speaker + ":", first.start(), first.start()));
            }
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
                cues.add(new Cue(start, end, wrap(run), speaker));
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
