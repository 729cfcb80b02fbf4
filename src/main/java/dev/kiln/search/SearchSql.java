package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The search statements that differ by database: SQLite's FTS5 table (kept in step by triggers)
 * against PostgreSQL's {@code tsvector} column, their match expressions, ranks and snippets, and the
 * queue's claim. Named parameters throughout.
 */
sealed interface SearchSql permits SearchSql.Sqlite, SearchSql.Postgres {

    /** Up to {@code :limit} queue rows free since {@code :now}, claimed until {@code :until}. */
    String claim();

    /** Inserts a segment's row or brings it up to date; an embedding stays only while its text does. */
    String upsert();

    /**
     * The match part of a search for {@code terms} (every one; with {@code any}, any one), with its
     * parameters added to {@code params}.
     */
    String match(List<String> terms, boolean any, Map<String, Object> params);

    /**
     * The page of hits: rows {@code id, job_id, owner_id, job_type, segment, start_seconds,
     * end_seconds, page_from, page_to, text, snippet, score, file_id, file_name}, best first;
     * {@code where} holds the owner and type conditions on {@code s}.
     */
    String hits(String match, String where);

    /** The ids of the best {@code :limit} matches, best first; no snippet (fusion reads only ranks). */
    String ranked(String match, String where);

    static SearchSql of(Database db) {
        return db.dialect().name().equals("postgresql") ? new Postgres() : new Sqlite();
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
        public String match(List<String> terms, boolean any, Map<String, Object> params) {
            StringBuilder match = new StringBuilder();
            for (String term : terms) {
                match.append(match.isEmpty() ? "" : any ? " OR " : " ")
                        .append('"')
                        .append(term.replace("\"", "\"\""))
                        .append('"');
            }
            params.put("match", match.toString());
            return ":match";
        }

        @Override
        public String ranked(String match, String where) {
            return "SELECT s.id FROM search_text JOIN search_segments s ON s.id = search_text.rowid"
                    + " WHERE search_text MATCH " + match + where + " ORDER BY bm25(search_text), s.id LIMIT :limit";
        }

        @Override
        public String hits(String match, String where) {
            return "SELECT " + HIT_COLUMNS + """
                    , snippet(search_text, 0, char(2), char(3), '…', 24) AS snippet, -bm25(search_text) AS score,
                      f.id AS file_id, f.name AS file_name
                    FROM search_text JOIN search_segments s ON s.id = search_text.rowid
                    JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id
                    WHERE search_text MATCH\s""" + match + where
                    + " ORDER BY bm25(search_text), s.id LIMIT :limit OFFSET :offset";
        }
    }

    /**
     * {@code tsvector} + GIN: ts_headline (the whole segment highlighted, cut in Java) drops what its parser takes for markup, so it is
     * made of the text with {@code <} and {@code >} stood in for ({@link IndexEntry#LT}, {@link IndexEntry#GT}).
     * Each row holds its language's stems and its words as they are
     * ('simple'); each term matches any of them (an OR over the configurations below), terms are ANDed (ORed for an any-word search).
     */
    record Postgres() implements SearchSql {

        /** PostgreSQL's built-in snowball configurations by ISO 639-1 code. */
        static final Map<String, String> CONFIGS = Map.ofEntries(
                Map.entry("da", "danish"),
                Map.entry("de", "german"),
                Map.entry("en", "english"),
                Map.entry("es", "spanish"),
                Map.entry("fi", "finnish"),
                Map.entry("fr", "french"),
                Map.entry("hu", "hungarian"),
                Map.entry("it", "italian"),
                Map.entry("nl", "dutch"),
                Map.entry("no", "norwegian"),
                Map.entry("pt", "portuguese"),
                Map.entry("ro", "romanian"),
                Map.entry("ru", "russian"),
                Map.entry("sv", "swedish"),
                Map.entry("tr", "turkish"));

        private static final List<String> QUERY_CONFIGS = Stream.concat(
                        Stream.of("simple"), CONFIGS.values().stream().sorted())
                .toList();

        /** The configuration for a language; 'simple' (words as they are) when PostgreSQL has none. */
        static String config(String language) {
            return language == null ? "simple" : CONFIGS.getOrDefault(language, "simple");
        }

        @Override
        public String claim() {
            return CLAIM.formatted(" FOR UPDATE SKIP LOCKED");
        }

        @Override
        public String upsert() {
            return "INSERT INTO search_segments (" + UPSERT_COLUMNS + ", ts_config, tsv) VALUES (" + UPSERT_VALUES
                    + ", :config, CASE WHEN :config = 'simple' THEN to_tsvector('simple', :text)"
                    + " ELSE to_tsvector(CAST(:config AS regconfig), :text) || to_tsvector('simple', :text) END) "
                    + UPSERT_UPDATE + ", ts_config = excluded.ts_config, tsv = excluded.tsv";
        }

        @Override
        public String match(List<String> terms, boolean any, Map<String, Object> params) {
            List<String> ands = new ArrayList<>();
            for (int i = 0; i < terms.size(); i++) {
                String name = "t" + i;
                params.put(name, terms.get(i));
                ands.add(QUERY_CONFIGS.stream()
                        .map(c -> "plainto_tsquery('" + c + "', :" + name + ")")
                        .collect(Collectors.joining(" || ", "(", ")")));
            }
            return String.join(any ? " || " : " && ", ands);
        }

        @Override
        public String ranked(String match, String where) {
            return "WITH q AS (SELECT " + match + " AS query) SELECT s.id FROM q, search_segments s"
                    + " WHERE s.tsv @@ q.query" + where
                    + " ORDER BY ts_rank_cd(s.tsv, q.query) DESC, s.id LIMIT :limit";
        }

        @Override
        public String hits(String match, String where) {
            return """
                    WITH q AS (SELECT %s AS query),
                    found AS (
                      SELECT s.*, ts_rank_cd(s.tsv, q.query) AS score FROM q, search_segments s
                      WHERE s.tsv @@ q.query%s
                      ORDER BY score DESC, s.id LIMIT :limit OFFSET :offset)
                    SELECT %s,
                      ts_headline(CAST(s.ts_config AS regconfig), translate(s.text, '<>', chr(4) || chr(5)), q.query,
                        'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                        || ', HighlightAll=true') AS snippet,
                      s.score, f.id AS file_id, f.name AS file_name
                    FROM q, found s JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id
                    ORDER BY s.score DESC, s.id""".formatted(match, where, HIT_COLUMNS);
        }
    }
}
