package dev.kiln.search;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Full-text search of the index: the caller's segments (an admin's: everyone's, or one owner's)
 * that hold every word of the query, best first, with snippets.
 */
@Component
class TextSearch {

    static final String RETRIEVER = "text";

    /** About how many characters a snippet shows (SQLite's snippet() is shorter already). */
    static final int SNIPPET = 240;

    /** A word: letters, combining marks and digits. Everything else separates words, so it can never be an operator. */
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{M}\\p{N}]+");

    private final Database db;
    private final SearchSql sql;

    TextSearch(Database db) {
        this.db = db;
        this.sql = SearchSql.of(db);
    }

    /** What to look for: the query's words, an optional job type and owner, and the page. */
    record Query(List<String> terms, String type, String owner, int limit, int offset) {}

    /** The query's words, lower-cased, each once, in order. */
    static List<String> terms(String q) {
        Matcher m = WORD.matcher(q);
        LinkedHashSet<String> terms = new LinkedHashSet<>();
        while (m.find()) {
            terms.add(m.group().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(terms);
    }

    /** Up to {@code limit + 1} hits from {@code offset} on (one more tells whether a next page exists). */
    List<Hit> search(User viewer, Query query) {
        Map<String, Object> params = new HashMap<>();
        String match = sql.match(query.terms(), params);
        StringBuilder where = new StringBuilder();
        if (!viewer.isAdmin()) {
            where.append(" AND s.owner_id = :viewer");
            params.put("viewer", viewer.id());
        }
        if (query.owner() != null) {
            where.append(" AND s.owner_id = :owner");
            params.put("owner", query.owner());
        }
        if (query.type() != null) {
            where.append(" AND s.job_type = :type");
            params.put("type", query.type());
        }
        params.put("limit", query.limit() + 1);
        params.put("offset", query.offset());
        return db.sql()
                .sql(sql.hits(match, where.toString()))
                .params(params)
                .query((rs, n) -> new Hit(
                        rs.getString("job_id"),
                        rs.getString("job_type"),
                        rs.getString("file_id"),
                        rs.getString("file_name"),
                        rs.getInt("segment"),
                        rs.getString("text"),
                        Hit.around(Hit.parts(rs.getString("snippet")), SNIPPET),
                        new Hit.Anchor(
                                Rows.nullableDouble(rs, "start_seconds"),
                                Rows.nullableDouble(rs, "end_seconds"),
                                Rows.nullableInt(rs, "page_from"),
                                Rows.nullableInt(rs, "page_to")),
                        rs.getDouble("score"),
                        List.of(RETRIEVER),
                        viewer.isAdmin() ? rs.getString("owner_id") : null))
                .list();
    }
}
