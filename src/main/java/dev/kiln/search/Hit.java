package dev.kiln.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * One segment that matched: where it is (job, file, segment, anchor), its text, the snippet with
 * the matched words marked, its score (higher is better; comparable only within one search) and
 * which retrievers found it. {@code owner} is given to admins only.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Hit(
        String jobId,
        String jobType,
        String fileId,
        String fileName,
        int segment,
        String text,
        List<Part> snippet,
        Anchor anchor,
        double score,
        List<String> retrievers,
        String owner) {

    /**
     * A piece of a snippet: plain text, {@code match: true} where a query word matched. Clients
     * render the pieces as text (never as markup), so nothing in a segment can become HTML.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    record Part(String text, boolean match) {}

    /** Seconds into a recording (transcripts) or pages of a document; all null when the format has neither. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Anchor(Double startSeconds, Double endSeconds, Integer pageFrom, Integer pageTo) {}

    /** Splits a database snippet at its markers ({@link IndexEntry#MARK_START}, {@link IndexEntry#MARK_END}). */
    static List<Part> parts(String snippet) {
        List<Part> parts = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        boolean match = false;
        for (int i = 0; i < snippet.length(); i++) {
            char c = snippet.charAt(i);
            if (c == IndexEntry.MARK_START || c == IndexEntry.MARK_END) {
                add(parts, piece, match);
                match = c == IndexEntry.MARK_START;
            } else {
                piece.append(c == IndexEntry.LT ? '<' : c == IndexEntry.GT ? '>' : c);
            }
        }
        add(parts, piece, match);
        return parts;
    }

    private static void add(List<Part> parts, StringBuilder piece, boolean match) {
        if (!piece.isEmpty()) {
            parts.add(new Part(piece.toString(), match));
            piece.setLength(0);
        }
    }
}
