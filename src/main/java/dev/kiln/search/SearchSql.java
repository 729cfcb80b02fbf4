package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The search statements that differ by database: SQLite's FTS5 table (kept in step by triggers)
 * against PostgreSQL's {@code tsvector} column, how a query's words are matched, ranked and
 * marked in snippets, and the queue's claim. Named parameters throughout.
 */
sealed interface SearchSql permits SearchSql.Sqlite, PostgresSearchSql {

    /** Up to {@code :limit} queue rows free since {@code :now}, claimed until {@code :until}. */
    String claim();

    /** Inserts a segment's row or brings it up to date; an embedding stays only while its text does. */
    String upsert();

    /**
     * The words as this database matches them (PostgreSQL asks itself how); with {@code ranking},
     * also how rare each is, for {@link #ranked}. One statement.
     */
    Terms terms(Database db, List<String> words, boolean ranking);

    /**
     * The page of hits holding every term (with {@code any}, any one: for hits already chosen by
     * {@code where}): rows {@code id, job_id, owner_id, job_type, segment, start_seconds,
     * end_seconds, page_from, page_to, text, snippet, score, file_id, file_name}, best first;
     * {@code where} holds the conditions on {@code s}. Its parameters go into {@code params}
     * ({@code :limit} and {@code :offset} are the caller's). Of more than {@link #CANDIDATES} rows
     * holding every term, the newest that many are ranked (pages go {@code
     * SearchController.MAX_DEPTH} deep, less than that).
     */
    String hits(Terms terms, boolean any, String where, Map<String, Object> params);

    /**
     * The best {@code :limit} rows holding any term: {@code id, score}, best first, no snippet
     * (fusion reads only ranks). Its parameters go into {@code params}. Not every row holding a word
     * is ranked, since a common word is in most of them: the candidates are the rows holding a rare
     * word and those holding every common one, at most {@link #CANDIDATES} of the latter.
     */
    String ranked(Terms terms, String where, Map<String, Object> params);

    /** A word in more rows than this is common: it narrows a ranked list's candidates, never brings them alone. */
    int RARE = 500;

    /**
     * The most rows ranked for holding every common word (the newest), in a ranked list or a page:
     * ranking every row holding "meeting" would read most of the index.
     */
    int CANDIDATES = 2_000;

    /** A hit's snippet column, with this database's markers, as the text it marks ({@link Hit#parts}). */
    String marked(String snippet, String text);

    /**
     * A query's words as the database matches them: each one's match expression (FTS5: a quoted
     * string; PostgreSQL: {@code tsquery} text of its lexemes), its weight (the rarer, the heavier)
     * and whether it is common (in more rows than a ranked list reads); weight 1 and not common where
     * nothing is known.
     */
    record Terms(List<String> matches, List<Double> weights, List<Boolean> common) {

        boolean isEmpty() {
            return matches.isEmpty();
        }
    }

    static SearchSql of(Database db) {
        return db.dialect().name().equals("postgresql") ? new PostgresSearchSql() : new Sqlite();
    }

    /** Columns every upsert writes (the same names as its parameters). */
    String UPSERT_COLUMNS =
            "job_id, owner_id, job_type, segment, start_seconds, end_seconds, page_from, page_to, text, language, indexed_at";

    String UPSERT_VALUES =
            ":job, :owner, :type, :segment, :startSeconds, :endSeconds, :pageFrom, :pageTo, :text, :language, :now";

    String UPSERT_UPDATE = """
            ON CONFLICT (job_id, segment) DO UPDATE SET
              start_seconds = excluded.start_seconds, end_seconds = excluded.end_seconds,
              page_from = excluded.page_from, page_to = excluded.page_to, language = excluded.language,
              indexed_at = excluded.indexed_at,
              embedding = CASE WHEN search_segments.text = excluded.text THEN search_segments.embedding END,
              embedding_model = CASE WHEN search_segments.text = excluded.text THEN search_segments.embedding_model END,
              text = excluded.text""";

    String CLAIM = """
            UPDATE search_queue SET claimed_until = :until
            WHERE job_id IN (SELECT job_id FROM search_queue WHERE claimed_until < :now
                             ORDER BY claimed_until, queued_at LIMIT :limit%s)
            RETURNING job_id, generation""";

    String HIT_COLUMNS = """
            s.id, s.job_id, s.owner_id, s.job_type, s.segment, s.start_seconds, s.end_seconds, s.page_from,
            s.page_to, s.text""";

    /** FTS5: porter stemming and unicode61 words; each term a quoted string, so none is an operator. */
    record Sqlite() implements SearchSql {

        @Override
        public String claim() {
            return CLAIM.formatted("");
        }

        @Override
        public String upsert() {
            return "INSERT INTO search_segments (" + UPSERT_COLUMNS + ") VALUES (" + UPSERT_VALUES + ") "
                    + UPSERT_UPDATE;
        }

        @Override
        public Terms terms(Database db, List<String> words, boolean ranking) {
            List<String> quoted =
                    words.stream().map(w -> '"' + w.replace("\"", "\"\"") + '"').toList();
            List<Boolean> common = Collections.nCopies(words.size(), false);
            if (ranking && !words.isEmpty()) {
                // How many rows hold each word, counted up to RARE + 1 (FTS5 reads row ids only: cheap).
                StringBuilder counts = new StringBuilder("SELECT ");
                Map<String, Object> params = new HashMap<>();
                for (int i = 0; i < quoted.size(); i++) {
                    counts.append(i == 0 ? "" : ", ")
                            .append("(SELECT count(*) FROM (SELECT rowid FROM search_text WHERE search_text MATCH :t")
                            .append(i)
                            .append(" LIMIT :cap))");
                    params.put("t" + i, quoted.get(i));
                }
                params.put("cap", RARE + 1);
                common = db.sql()
                        .sql(counts.toString())
                        .params(params)
                        .query((rs, n) -> {
                            List<Boolean> many = new ArrayList<>();
                            for (int i = 1; i <= words.size(); i++) {
                                many.add(rs.getLong(i) > RARE);
                            }
                            return many;
                        })
                        .single();
            }
            return new Terms(quoted, Collections.nCopies(words.size(), 1.0), common);
        }

        private static String match(Terms terms, boolean any, Map<String, Object> params) {
            params.put("match", String.join(any ? " OR " : " ", terms.matches()));
            return ":match";
        }

        /**
         * bm25 over the words; the candidates are what {@code (rare OR rare) OR (common common)} matches, so each
         * is ranked as by all the words. With common words only, the newest {@link #CANDIDATES} rows holding
         * them all.
         */
        @Override
        public String ranked(Terms terms, String where, Map<String, Object> params) {
            List<String> rare = new ArrayList<>();
            List<String> common = new ArrayList<>();
            for (int i = 0; i < terms.matches().size(); i++) {
                (terms.common().get(i) ? common : rare).add(terms.matches().get(i));
            }
            String bound = "";
            if (rare.isEmpty()) {
                params.put("match", String.join(" ", common));
                bound = newest(where, params);
            } else {
                params.put(
                        "match",
                        "(" + String.join(" OR ", rare) + ")"
                                + (common.isEmpty() ? "" : " OR (" + String.join(" ", common) + ")"));
            }
            return "SELECT s.id, -bm25(search_text) AS score"
                    + " FROM search_text JOIN search_segments s ON s.id = search_text.rowid"
                    + " WHERE search_text MATCH :match" + bound + where
                    + " ORDER BY bm25(search_text), s.id LIMIT :limit";
        }

        @Override
        public String hits(Terms terms, boolean any, String where, Map<String, Object> params) {
            String match = match(terms, any, params);
            return "SELECT " + HIT_COLUMNS + """
                    , snippet(search_text, 0, char(2), char(3), '…', 24) AS snippet, -bm25(search_text) AS score,
                      f.id AS file_id, f.name AS file_name
                    FROM search_text JOIN search_segments s ON s.id = search_text.rowid
                    JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id
                    WHERE search_text MATCH\s""" + match + (any ? "" : newest(where, params)) + where
                    + " ORDER BY bm25(search_text), s.id LIMIT :limit OFFSET :offset";
        }

        /**
         * Only the newest {@link #CANDIDATES} rows in scope that {@code :match} matches: a lower bound on the
         * row id, which FTS5 applies as it reads (newest first, it stops there).
         */
        private static String newest(String where, Map<String, Object> params) {
            params.put("newest", CANDIDATES - 1);
            return " AND search_text.rowid >= coalesce((SELECT s.id FROM search_text"
                    + " JOIN search_segments s ON s.id = search_text.rowid WHERE search_text MATCH :match" + where
                    + " ORDER BY search_text.rowid DESC LIMIT 1 OFFSET :newest), 0)";
        }

        @Override
        public String marked(String snippet, String text) {
            return snippet;
        }
    }
}
