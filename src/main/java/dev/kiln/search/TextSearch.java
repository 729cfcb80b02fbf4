package dev.kiln.search;

import dev.kiln.db.Database;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Full-text search of the index: the segments of a {@link Scope} that hold every word of the query
 * (or any of them), best first, with snippets.
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

    /** The query's words, lower-cased, each once, in order. */
    static List<String> terms(String q) {
        Matcher m = WORD.matcher(q);
        LinkedHashSet<String> terms = new LinkedHashSet<>();
        while (m.find()) {
            terms.add(m.group().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(terms);
    }

    /** A hit and its row's id (what the retrievers' lists are fused by). */
    record Found(long id, Hit hit) {}

    /**
     * Up to {@code limit} hits from {@code offset} on, best first: segments holding every term, or
     * with {@code any}, segments holding any of them (ranked so that more and rarer terms come first).
     */
    List<Found> search(Scope scope, List<String> terms, boolean any, int limit, int offset) {
        return any ? anyWords(scope, terms, limit, offset) : page(scope, terms, false, limit, offset, Set.of());
    }

    /**
     * English function words, left out of an any-word search (unless the query has nothing else):
     * almost every segment holds one, so they would rank nothing and make the database read every
     * row. An every-word search keeps them (they narrow nothing there, and cost little).
     */
    static final Set<String> FUNCTION_WORDS = Set.of(
            "a", "an", "and", "are", "as", "at", "be", "but", "by", "did", "do", "does", "for", "from", "had", "has",
            "have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "that", "the", "their", "them", "there",
            "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with",
            "you");

    /** The terms an any-word search looks for: the query's without its function words, if any are left. */
    static List<String> anyWordTerms(List<String> terms) {
        List<String> content =
                terms.stream().filter(t -> !FUNCTION_WORDS.contains(t)).toList();
        return content.isEmpty() ? terms : content;
    }

    /** A row of a ranked list: its id and score (higher is better, comparable within the list only). */
    record Ranked(long id, double score) {}

    /** The best {@code limit} segments holding any of the terms, best first. */
    List<Ranked> ranked(Scope scope, List<String> terms, int limit) {
        SearchSql.Terms matched = sql.terms(db, anyWordTerms(terms), true);
        if (matched.isEmpty()) {
            return List.of();
        }
        Map<String, Object> params = new HashMap<>();
        String where = scope.where(params);
        params.put("limit", limit);
        return db.sql()
                .sql(sql.ranked(matched, where, params))
                .params(params)
                .query((rs, n) -> new Ranked(rs.getLong("id"), rs.getDouble("score")))
                .list();
    }

    /** The hits, with snippets, of these ids among the segments holding any of the terms. */
    List<Found> hitsOf(Scope scope, List<String> terms, Set<Long> ids) {
        return ids.isEmpty() ? List.of() : page(scope, terms, true, ids.size(), 0, ids);
    }

    /** Any-word hits: the ranked list's page, read with snippets, in its order and with its scores. */
    private List<Found> anyWords(Scope scope, List<String> terms, int limit, int offset) {
        List<Ranked> ranked = ranked(scope, terms, limit + offset);
        ranked = ranked.subList(Math.min(offset, ranked.size()), ranked.size());
        Map<Long, Hit> hits = new HashMap<>();
        Set<Long> ids = new HashSet<>();
        ranked.forEach(r -> ids.add(r.id()));
        hitsOf(scope, terms, ids).forEach(f -> hits.put(f.id(), f.hit()));
        List<Found> found = new ArrayList<>();
        for (Ranked r : ranked) {
            Hit hit = hits.get(r.id());
            if (hit != null) {
                found.add(new Found(r.id(), hit.scored(r.score(), hit.retrievers())));
            }
        }
        return found;
    }

    /** The texts of these ids among the scope's segments, by id: an id gone or out of the scope has none. */
    Map<Long, String> texts(Scope scope, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> params = new HashMap<>();
        String where = scope.where(params);
        params.put("ids", ids);
        Map<Long, String> texts = new HashMap<>();
        db.sql()
                .sql("SELECT s.id, s.text FROM search_segments s WHERE s.id IN (:ids)" + where)
                .params(params)
                .query(rs -> {
                    texts.put(rs.getLong(1), rs.getString(2));
                });
        return texts;
    }

    private List<Found> page(Scope scope, List<String> terms, boolean any, int limit, int offset, Set<Long> only) {
        SearchSql.Terms matched = sql.terms(db, any ? anyWordTerms(terms) : terms, false);
        if (matched.isEmpty()) {
            return List.of();
        }
        Map<String, Object> params = new HashMap<>();
        String where = scope.where(params);
        if (!only.isEmpty()) {
            where += " AND s.id IN (:only)";
            params.put("only", only);
        }
        params.put("limit", limit);
        params.put("offset", offset);
        return db.sql()
                .sql(sql.hits(matched, any, where, params))
                .params(params)
                .query((rs, n) -> new Found(
                        rs.getLong("id"),
                        Hit.of(
                                rs,
                                Hit.around(
                                        Hit.parts(sql.marked(rs.getString("snippet"), rs.getString("text"))), SNIPPET),
                                rs.getDouble("score"),
                                RETRIEVER,
                                scope.showOwner())))
                .list();
    }
}
