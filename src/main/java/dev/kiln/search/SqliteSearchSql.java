package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FTS5: porter stemming and unicode61 words; each term a quoted string, so none is an operator.
 * Every statement names its join order ({@code CROSS JOIN}, which SQLite never reorders): left to
 * itself, the planner may walk an owner's rows and evaluate the MATCH once per row (tens of
 * seconds at 100k rows), or read every match of a common word to find a page's few ids.
 *
 * <p>A ranked list uses no {@code bm25()}: it scans the whole document list of each word of the
 * query for its document frequency, so one common word ("meeting") costs tens of ms however few
 * rows are ranked. Words are counted instead (FTS5 reads row ids only, up to {@link #COUNTED}) and
 * the candidates scored by the weights of the words they hold, as on PostgreSQL.
 */
final class SqliteSearchSql implements SearchSql {

    /** How far a word's rows are counted for its weight: beyond this a word weighs next to nothing anyway. */
    static final int COUNTED = 10_000;

    @Override
    public String claim() {
        return CLAIM.formatted("");
    }

    @Override
    public String upsert() {
        return "INSERT INTO search_segments (" + UPSERT_COLUMNS + ") VALUES (" + UPSERT_VALUES + ") " + UPSERT_UPDATE;
    }

    @Override
    public Terms terms(Database db, List<String> words, boolean ranking) {
        List<String> quoted =
                words.stream().map(w -> '"' + w.replace("\"", "\"\"") + '"').toList();
        if (!ranking || words.isEmpty()) {
            return new Terms(quoted, Collections.nCopies(words.size(), 1.0), Collections.nCopies(words.size(), false));
        }
        // How many rows hold each word (up to COUNTED), and about how many rows there are (ids only grow).
        StringBuilder counts = new StringBuilder("SELECT (SELECT max(id) FROM search_segments)");
        Map<String, Object> params = new HashMap<>();
        for (int i = 0; i < quoted.size(); i++) {
            counts.append(", (SELECT count(*) FROM (SELECT rowid FROM search_text WHERE search_text MATCH :t")
                    .append(i)
                    .append(" LIMIT :counted))");
            params.put("t" + i, quoted.get(i));
        }
        params.put("counted", COUNTED);
        return db.sql()
                .sql(counts.toString())
                .params(params)
                .query((rs, n) -> {
                    double total = Math.max(1, rs.getLong(1));
                    List<Double> weights = new ArrayList<>();
                    List<Boolean> common = new ArrayList<>();
                    for (int i = 0; i < words.size(); i++) {
                        long rows = rs.getLong(i + 2);
                        weights.add(SearchSql.idf(rows, total));
                        common.add(rows > RARE);
                    }
                    return new Terms(quoted, weights, common);
                })
                .single();
    }

    /**
     * The candidates are the rows of each rare word and the newest {@link #CANDIDATES} in scope holding
     * every common one; each scores the weights of the rare words it holds, plus those of the common words
     * if it is among the latter.
     */
    @Override
    public String ranked(Terms terms, String where, Map<String, Object> params) {
        List<String> common = new ArrayList<>();
        double commonWeight = 0;
        StringBuilder with = new StringBuilder("WITH ");
        StringBuilder union = new StringBuilder();
        StringBuilder score = new StringBuilder();
        for (int i = 0; i < terms.matches().size(); i++) {
            if (terms.common().get(i)) {
                common.add(terms.matches().get(i));
                commonWeight += terms.weights().get(i);
                continue;
            }
            String name = "r" + i;
            with.append(name)
                    .append(" AS (SELECT rowid AS id FROM search_text WHERE search_text MATCH :")
                    .append(name)
                    .append("), ");
            params.put(name, terms.matches().get(i));
            params.put("w" + i, terms.weights().get(i));
            union.append(union.isEmpty() ? "" : " UNION ")
                    .append("SELECT id FROM ")
                    .append(name);
            score.append(score.isEmpty() ? "" : " + ")
                    .append("CASE WHEN s.id IN (SELECT id FROM ")
                    .append(name)
                    .append(") THEN :w")
                    .append(i)
                    .append(" ELSE 0 END");
        }
        if (!common.isEmpty()) {
            // The newest in scope, as on PostgreSQL: other owners' rows must not fill the candidates.
            with.append("c AS (SELECT s.id FROM search_text CROSS JOIN search_segments s ON s.id = search_text.rowid")
                    .append(" WHERE search_text MATCH :common")
                    .append(where)
                    .append(" ORDER BY search_text.rowid DESC LIMIT :candidates), ");
            params.put("common", String.join(" ", common));
            params.put("candidates", CANDIDATES);
            params.put("wc", commonWeight);
            union.append(union.isEmpty() ? "" : " UNION ").append("SELECT id FROM c");
            score.append(score.isEmpty() ? "" : " + ")
                    .append("CASE WHEN s.id IN (SELECT id FROM c) THEN :wc ELSE 0 END");
        }
        return with + "candidates AS (" + union + ") SELECT s.id, " + score + " AS score"
                + " FROM candidates CROSS JOIN search_segments s ON s.id = candidates.id WHERE 1" + where
                + " ORDER BY score DESC, s.id LIMIT :limit";
    }

    /**
     * Every word: bm25, of the newest {@link #CANDIDATES} rows in scope holding them all. Any word:
     * the rows {@code where} names (by id), driven by them, with their snippets but no rank (the
     * caller orders them; bm25 would cost what {@link #ranked} avoids).
     */
    @Override
    public String hits(Terms terms, boolean any, String where, Map<String, Object> params) {
        params.put("match", String.join(any ? " OR " : " ", terms.matches()));
        String columns = "SELECT " + HIT_COLUMNS
                + ", snippet(search_text, 0, char(2), char(3), '…', 24) AS snippet, %s AS score,"
                + " f.id AS file_id, f.name AS file_name FROM %s"
                + " JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id"
                + " WHERE search_text MATCH :match";
        if (any) {
            return columns.formatted("0", "search_segments s CROSS JOIN search_text ON search_text.rowid = s.id")
                    + where + " ORDER BY s.id LIMIT :limit OFFSET :offset";
        }
        params.put("newest", CANDIDATES - 1);
        String fromText = "search_text CROSS JOIN search_segments s ON s.id = search_text.rowid";
        // Only the newest CANDIDATES rows: a lower bound on the row id, which FTS5 applies as it reads.
        return columns.formatted("-bm25(search_text)", fromText)
                + " AND search_text.rowid >= coalesce((SELECT s.id FROM " + fromText
                + " WHERE search_text MATCH :match" + where
                + " ORDER BY search_text.rowid DESC LIMIT 1 OFFSET :newest), 0)" + where
                + " ORDER BY bm25(search_text), s.id LIMIT :limit OFFSET :offset";
    }

    @Override
    public String marked(String snippet, String text) {
        return snippet;
    }
}
