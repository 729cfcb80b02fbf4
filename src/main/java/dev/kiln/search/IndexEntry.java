package dev.kiln.search;

import dev.kiln.jobs.ShownResults;
import dev.kiln.processors.ResultShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * One segment as the index holds it: its place in the job's result ({@code segment}, the id an edit
 * names) and its anchor — seconds for a transcript, pages for a paged document, neither otherwise.
 */
record IndexEntry(int segment, String text, Double startSeconds, Double endSeconds, Integer pageFrom, Integer pageTo) {

    /** The snippet markers; a text never holds them, so a snippet's highlights are always ours. */
    static final char MARK_START = '\u0002';

    static final char MARK_END = '\u0003';

    /** The entries of a shown result: every segment with some text, in order. */
    static List<IndexEntry> of(ShownResults.Shown shown) {
        List<IndexEntry> entries = new ArrayList<>();
        JsonNode segments = shown.result().path("segments");
        for (int i = 0; i < segments.size(); i++) {
            JsonNode s = segments.get(i);
            String text = clean(s.path("text").asString(""));
            if (text.isBlank()) {
                continue;
            }
            if (shown.shape() == ResultShape.TRANSCRIPT) {
                entries.add(new IndexEntry(i, text, seconds(s.path("start")), seconds(s.path("end")), null, null));
            } else {
                JsonNode pages = s.path("pages");
                entries.add(new IndexEntry(i, text, null, null, page(pages.path("from")), page(pages.path("to"))));
            }
        }
        return entries;
    }

    /** The result's language as ISO 639-1 (a transcript says it at the top, a document in its metadata). */
    static String language(ShownResults.Shown shown) {
        JsonNode result = shown.result();
        String language = result.path("language").isString()
                ? result.path("language").asString()
                : result.path("metadata").path("language").asString(null);
        if (language == null || language.length() < 2) {
            return null;
        }
        String code = language.substring(0, 2).toLowerCase(Locale.ROOT);
        return code.chars().allMatch(c -> c >= 'a' && c <= 'z') ? code : null;
    }

    /**
     * Without the snippet markers, nor NUL (a worker's or a document's text may hold one, and PostgreSQL
     * refuses it): each becomes a space, so the words on either side stay apart.
     */
    private static String clean(String text) {
        return text.replace(MARK_START, ' ')
                .replace(MARK_END, ' ')
                .replace('\u0000', ' ')
                .strip();
    }

    private static Double seconds(JsonNode value) {
        return value.isNumber() && Double.isFinite(value.asDouble()) && value.asDouble() >= 0 ? value.asDouble() : null;
    }

    private static Integer page(JsonNode value) {
        return value.isInt() && value.asInt() > 0 ? value.asInt() : null;
    }
}
