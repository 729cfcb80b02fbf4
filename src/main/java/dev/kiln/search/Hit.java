package dev.kiln.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.db.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /**
     * The hit of a row with {@link SearchSql#HIT_COLUMNS}, {@code file_id} and {@code file_name}, as
     * {@code retriever} found it; the owner only when {@code showOwner}.
     */
    static Hit of(ResultSet rs, List<Part> snippet, double score, String retriever, boolean showOwner)
            throws SQLException {
        return new Hit(
                rs.getString("job_id"),
                rs.getString("job_type"),
                rs.getString("file_id"),
                rs.getString("file_name"),
                rs.getInt("segment"),
                rs.getString("text"),
                snippet,
                anchor(rs),
                score,
                List.of(retriever),
                showOwner ? rs.getString("owner_id") : null);
    }

    /** The anchor of a row with {@code start_seconds, end_seconds, page_from, page_to}. */
    private static Anchor anchor(ResultSet rs) throws SQLException {
        return new Anchor(
                Rows.nullableDouble(rs, "start_seconds"),
                Rows.nullableDouble(rs, "end_seconds"),
                Rows.nullableInt(rs, "page_from"),
                Rows.nullableInt(rs, "page_to"));
    }

    /** The same hit with another score and the retrievers that found it. */
    Hit scored(double newScore, List<String> foundBy) {
        return new Hit(jobId, jobType, fileId, fileName, segment, text, snippet, anchor, newScore, foundBy, owner);
    }

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
                piece.append(c);
            }
        }
        add(parts, piece, match);
        return parts;
    }

    /**
     * The parts around the first match, about {@code max} characters of them, cut at spaces and
     * marked with … where cut; the whole when it is short (a segment fully highlighted by the database).
     */
    static List<Part> around(List<Part> parts, int max) {
        int total = parts.stream().mapToInt(p -> p.text().length()).sum();
        if (total <= max) {
            return parts;
        }
        int first = 0;
        int at = 0;
        for (Part p : parts) {
            if (p.match()) {
                first = at;
                break;
            }
            at += p.text().length();
        }
        int from = Math.max(0, Math.min(first - max / 3, total - max));
        int to = Math.min(total, from + max);
        List<Part> out = new ArrayList<>();
        at = 0;
        for (Part p : parts) {
            int start = Math.max(from, at);
            int end = Math.min(to, at + p.text().length());
            if (start < end) {
                out.add(new Part(p.text().substring(start - at, end - at), p.match()));
            }
            at += p.text().length();
        }
        if (from > 0 && !out.getFirst().match()) {
            String t = out.getFirst().text();
            int space = t.indexOf(' ');
            out.set(0, new Part("…" + (space < 0 ? t : t.substring(space)), false));
        }
        if (to < total && !out.getLast().match()) {
            String t = out.getLast().text();
            int space = t.lastIndexOf(' ');
            out.set(out.size() - 1, new Part((space < 0 ? t : t.substring(0, space)) + " …", false));
        }
        return out;
    }

    private static void add(List<Part> parts, StringBuilder piece, boolean match) {
        if (!piece.isEmpty()) {
            parts.add(new Part(piece.toString(), match));
            piece.setLength(0);
        }
    }
}
