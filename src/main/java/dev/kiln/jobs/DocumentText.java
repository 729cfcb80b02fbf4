package dev.kiln.jobs;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A document's whole {@code text} again after its segments were edited. The extract shape's
 * segments say where they lie in the text ({@code start}, {@code end}): the edited segments replace
 * their spans, what lies between them (the blank lines between paragraphs) stays, and each segment's
 * span is moved to where it is now. Segments without usable spans (a worker's own documents) are
 * joined by blank lines instead.
 */
final class DocumentText {

    private DocumentText() {}

    /** Rewrites {@code shown}'s text from its (edited) segments; {@code original} is the engine's result. */
    static void rebuild(ObjectNode shown, ObjectNode original) {
        String text = original.path("text").asString("");
        JsonNode segments = shown.path("segments");
        JsonNode was = original.path("segments");
        if (!spansFit(was, text.length())) {
            StringBuilder joined = new StringBuilder();
            segments.forEach(s -> joined.append(joined.isEmpty() ? "" : "\n\n")
                    .append(s.path("text").asString("")));
            shown.put("text", joined.toString());
            return;
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int i = 0; i < segments.size(); i++) {
            int start = was.get(i).path("start").asInt();
            int end = was.get(i).path("end").asInt();
            out.append(text, from, start);
            ObjectNode segment = (ObjectNode) segments.get(i);
            segment.put("start", out.length());
            out.append(segment.path("text").asString(""));
            segment.put("end", out.length());
            from = end;
        }
        out.append(text, from, text.length());
        shown.put("text", out.toString());
    }

    /** Whether every segment is an object with a span inside the text, in order, none overlapping. */
    private static boolean spansFit(JsonNode segments, int length) {
        int from = 0;
        for (JsonNode s : segments) {
            if (!s.isObject() || !s.path("start").isInt() || !s.path("end").isInt()) {
                return false;
            }
            int start = s.path("start").asInt();
            int end = s.path("end").asInt();
            if (start < from || end < start || end > length) {
                return false;
            }
            from = end;
        }
        return true;
    }
}
