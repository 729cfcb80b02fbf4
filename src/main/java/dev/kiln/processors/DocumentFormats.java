package dev.kiln.processors;

import tools.jackson.databind.JsonNode;

/** A stored document ({@link ResultShape#DOCUMENT}, the extract shape) as plain text or Markdown. */
public final class DocumentFormats {

    private DocumentFormats() {}

    public static String text(JsonNode result) {
        String text = result.path("text").asString("");
        return text.isEmpty() ? "" : text + "\n";
    }

    /** The title as the top heading, each segment's heading as a section heading, paragraphs as they were. */
    public static String markdown(JsonNode result) {
        StringBuilder out = new StringBuilder();
        String title = result.path("metadata").path("title").asString("");
        if (!title.isBlank()) {
            out.append("# ").append(escape(title)).append("\n\n");
        }
        for (JsonNode segment : result.path("segments")) {
            String text = segment.path("text").asString("");
            String heading = segment.path("heading").asString("");
            if (!heading.isEmpty() && text.startsWith(heading)) {
                out.append("## ").append(escape(heading)).append("\n\n");
                text = text.substring(heading.length()).strip();
            }
            if (!text.isEmpty()) {
                out.append(escape(text)).append("\n\n");
            }
        }
        return out.toString();
    }

    /** Text that would read as Markdown syntax at the start of a line is escaped. */
    private static String escape(String text) {
        return text.replaceAll("(?m)^([#>*+\\-=]|\\d+\\.)", "\\\\$1");
    }
}
