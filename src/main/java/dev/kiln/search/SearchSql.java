package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.List;
import java.util.Map;

/**
 * The search statements that differ by database: SQLite's FTS5 table (kept in step by triggers)
 * against PostgreSQL's {@code tsvector} column, how a query's words are matched, ranked and
 * marked in snippets, and the queue's claim. Named parameters throughout.
 */
sealed interface SearchSql permits SqliteSearchSql, PostgresSearchSql {

    /**
     * Up to {@code :limit} queue rows free since {@code :now} and queued before {@code :before},
     * claimed until {@code :until}.
     */
    String claim();

    /** Inserts a segment's row or brings it up to date; an embedding stays only while its text does. */
    String upsert();

    /**
     * The words as this database matches them (PostgreSQL asks itself how); with {@code ranking},
     * also how rare each is, for {@link #ranked}. One statement.
     */
    Terms terms(Database db, List<String> words, boolean ranking);

    /**
     * The page of hits holding every term, best first; or with {@code any}, the hits holding any
     * term among the rows {@code where} names by id (the caller orders them: they come from {@link
     * #ranked}). Rows {@code id, job_id, owner_id, job_type, segment, start_seconds, end_seconds,
     * page_from, page_to, text, snippet, score, file_id, file_name}; {@code where} holds the
     * conditions on {@code s}. Its parameters go into {@code params} ({@code :limit} and {@code
     * :offset} are the caller's). Of more than {@link #CANDIDATES} rows holding every term, the
     * newest that many are ranked (pages go {@code SearchController.MAX_DEPTH} deep, less than that).
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

    /** BM25's inverse document frequency of a word in {@code rows} of {@code total} rows. */
    static double idf(double rows, double total) {
        return Math.log(1 + (total - rows + 0.5) / (rows + 0.5));
    }

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
        return db.dialect().name().equals("postgresql") ? new PostgresSearchSql() : new SqliteSearchSql();
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
            WHERE job_id IN (SELECT job_id FROM search_queue WHERE claimed_until < :now AND queued_at < :before
                             ORDER BY claimed_until, queued_at LIMIT :limit%s)
            RETURNING job_id, generation""";

    String HIT_COLUMNS = """
            s.id, s.job_id, s.owner_id, s.job_type, s.segment, s.start_seconds, s.end_seconds, s.page_from,
            s.page_to, s.text""";
}
