package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code tsvector} + GIN. A row holds the stems of its language's configuration and its words as
 * they are ('simple'), both read from its text with ASCII punctuation taken for spaces ({@link
 * #words}), so the database splits words where a query does ("KX-4471" holds kx and 4471, where
 * PostgreSQL's parser would read kx and -4471). A query's word matches any of its lexemes in
 * 'simple' and in each configuration the index holds (few: a skip scan of {@code
 * search_segments_by_config} finds them), one {@code tsquery} bound as a parameter so the planner
 * sees it.
 *
 * <p>A ranked (any-word) list never ranks every row holding some word: a common word is in most of
 * them. Each word is weighed by how many rows hold it (an inverse document frequency, from the
 * planner's own statistics of the column, {@code pg_stats.most_common_elems}); the candidates are
 * the rows holding any rare word and those holding every common one, the newest {@link
 * #CANDIDATES} of each, ranked by the weights of the words they hold.
 */
final class PostgresSearchSql implements SearchSql {

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

    /** Estimated share of rows holding a word the statistics do not list (the planner takes half their least). */
    private static final double UNLISTED = 0.001;

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /**
     * The text of {@code column} with each ASCII punctuation mark a space (so of the same length:
     * a snippet made of it lines up with the text, {@link #marked}).
     */
    static String words(String column) {
        return "translate(" + column + ", '" + PUNCTUATION.replace("'", "''") + "', '"
                + " ".repeat(PUNCTUATION.length()) + "')";
    }

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
        String words = words(":text");
        return "INSERT INTO search_segments (" + UPSERT_COLUMNS + ", ts_config, tsv) VALUES (" + UPSERT_VALUES
                + ", :config, CASE WHEN :config = 'simple' THEN to_tsvector('simple', " + words + ")"
                + " ELSE to_tsvector(CAST(:config AS regconfig), " + words + ") || to_tsvector('simple', " + words
                + ") END) " + UPSERT_UPDATE + ", ts_config = excluded.ts_config, tsv = excluded.tsv";
    }

    /** Each word's alternatives: its lexemes in 'simple' and in every configuration the index holds. */
    private static final String ALTERNATIVES = """
            WITH RECURSIVE configs (c) AS (
              (SELECT ts_config FROM search_segments ORDER BY ts_config LIMIT 1)
              UNION ALL
              SELECT (SELECT ts_config FROM search_segments WHERE ts_config > configs.c ORDER BY ts_config LIMIT 1)
              FROM configs WHERE configs.c IS NOT NULL),
            alternatives AS (
              SELECT w.n, CAST(plainto_tsquery(CAST(k.c AS regconfig), w.word) AS text) AS alternative,
                tsvector_to_array(to_tsvector(CAST(k.c AS regconfig), w.word)) AS lexemes
              FROM unnest(ARRAY[:words]) WITH ORDINALITY AS w (word, n)
              CROSS JOIN (SELECT c FROM configs WHERE c IS NOT NULL UNION SELECT 'simple') AS k)""";

    private static final String PLAIN = ALTERNATIVES + """

            SELECT a.n, string_agg(DISTINCT a.alternative, ' | ') AS alternatives,
              CAST(NULL AS real) AS freq, 0 AS row_count, CAST(NULL AS real) AS least
            FROM alternatives a WHERE a.alternative <> '' GROUP BY a.n""";

    /** And how common the commonest lexeme of each is, as the planner's statistics say (none: rarer than the least listed). */
    private static final String WEIGHED = ALTERNATIVES + """
            ,
            column_stats AS (
              SELECT most_common_elems, most_common_elem_freqs FROM pg_stats
              WHERE schemaname = current_schema() AND tablename = 'search_segments' AND attname = 'tsv'),
            listed AS (
              SELECT x.lexeme, x.freq FROM column_stats,
                unnest(CAST(CAST(most_common_elems AS text) AS text[]), most_common_elem_freqs) AS x (lexeme, freq))
            SELECT a.n, string_agg(DISTINCT a.alternative, ' | ') AS alternatives, max(listed.freq) AS freq,
              (SELECT reltuples FROM pg_class WHERE oid = CAST('search_segments' AS regclass)) AS row_count,
              (SELECT most_common_elem_freqs[array_length(most_common_elem_freqs, 1) - 2] FROM column_stats) AS least
            FROM alternatives a CROSS JOIN LATERAL unnest(a.lexemes) AS l (lexeme)
            LEFT JOIN listed ON listed.lexeme = l.lexeme
            WHERE a.alternative <> ''
            GROUP BY a.n""";

    private record Term(String match, Double freq, double rowCount, Double least) {}

    @Override
    public Terms terms(Database db, List<String> words, boolean ranking) {
        // By position: a word no configuration finds a lexeme in (only ever marks, say) is left out.
        Map<Long, Term> found = new TreeMap<>();
        db.sql().sql(ranking ? WEIGHED : PLAIN).param("words", words).query(rs -> {
            double freq = rs.getDouble("freq");
            Double known = rs.wasNull() ? null : freq;
            double least = rs.getDouble("least");
            Double leastKnown = rs.wasNull() ? null : least;
            found.put(
                    rs.getLong("n"),
                    new Term("(" + rs.getString("alternatives") + ")", known, rs.getDouble("row_count"), leastKnown));
        });
        List<String> matches = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Boolean> common = new ArrayList<>();
        for (Term t : found.values()) {
            matches.add(t.match());
            if (t.rowCount() <= 0 || t.least() == null) { // never analysed: nothing known
                weights.add(1.0);
                common.add(false);
                continue;
            }
            double share = t.freq() != null ? t.freq() : Math.min(t.least() / 2, UNLISTED);
            double rows = share * t.rowCount();
            weights.add(SearchSql.idf(rows, t.rowCount()));
            common.add(rows > RARE);
        }
        return new Terms(matches, weights, common);
    }

    @Override
    public String hits(Terms terms, boolean any, String where, Map<String, Object> params) {
        params.put("query", String.join(any ? " | " : " & ", terms.matches()));
        params.put("candidates", CANDIDATES);
        return """
                WITH candidates AS (
                  SELECT s.id, s.tsv FROM search_segments s WHERE s.tsv @@ CAST(:query AS tsquery)%s
                  ORDER BY s.id DESC LIMIT :candidates),
                found AS (
                  SELECT id, ts_rank_cd(tsv, CAST(:query AS tsquery)) AS score FROM candidates
                  ORDER BY score DESC, id LIMIT :limit OFFSET :offset)
                SELECT %s,
                  ts_headline(CAST(s.ts_config AS regconfig), %s, CAST(:query AS tsquery),
                    'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', HighlightAll=true') AS snippet,
                  found.score, f.id AS file_id, f.name AS file_name
                FROM found JOIN search_segments s ON s.id = found.id
                JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id
                ORDER BY found.score DESC, s.id""".formatted(where, HIT_COLUMNS, words("s.text"));
    }

    @Override
    public String ranked(Terms terms, String where, Map<String, Object> params) {
        int n = terms.matches().size();
        List<Integer> rare = IntStream.range(0, n)
                .filter(i -> !terms.common().get(i))
                .boxed()
                .toList();
        List<Integer> common =
                IntStream.range(0, n).filter(i -> terms.common().get(i)).boxed().toList();
        StringBuilder score = new StringBuilder();
        for (int i = 0; i < n; i++) {
            params.put("q" + i, terms.matches().get(i));
            params.put("w" + i, terms.weights().get(i));
            score.append(i == 0 ? "" : " + ")
                    .append("CASE WHEN s.tsv @@ CAST(:q")
                    .append(i)
                    .append(" AS tsquery) THEN :w")
                    .append(i)
                    .append(" ELSE 0 END");
        }
        params.put("any", String.join(" | ", terms.matches()));
        params.put("candidates", CANDIDATES);
        List<String> branches = new ArrayList<>();
        if (!rare.isEmpty()) {
            params.put("rare", join(terms, rare, " | "));
            branches.add(branch(":rare", score, where));
        }
        if (!common.isEmpty()) {
            params.put("common", join(terms, common, " & "));
            branches.add(branch(":common", score, where));
        }
        return "SELECT id, score FROM (" + String.join(" UNION ", branches)
                + ") found ORDER BY score DESC, density DESC, id LIMIT :limit";
    }

    private static String join(Terms terms, List<Integer> which, String operator) {
        return which.stream().map(terms.matches()::get).collect(Collectors.joining(operator));
    }

    private static String branch(String query, CharSequence score, String where) {
        return "(SELECT s.id, " + score + " AS score, ts_rank_cd(s.tsv, CAST(:any AS tsquery)) AS density"
                + " FROM search_segments s WHERE s.tsv @@ CAST(" + query + " AS tsquery)" + where
                + " ORDER BY s.id DESC LIMIT :candidates)";
    }

    /** ts_headline marked {@link #words} of the text; the same places in the text itself. */
    @Override
    public String marked(String snippet, String text) {
        StringBuilder out = new StringBuilder(snippet.length());
        int at = 0;
        for (int i = 0; i < snippet.length(); i++) {
            char c = snippet.charAt(i);
            if (c == IndexEntry.MARK_START || c == IndexEntry.MARK_END) {
                out.append(c);
            } else if (at < text.length()) {
                out.append(text.charAt(at++));
            } else {
                return text; // not the text it was made of: unmarked rather than wrong
            }
        }
        return at == text.length() ? out.toString() : text;
    }
}
