package dev.kiln.search;

import dev.kiln.embeddings.VectorHit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The three ways to search a {@link Scope}: by words ({@code text}: every word, ranked), by meaning
 * ({@code semantic}: the nearest sentence embeddings) and both ({@code hybrid}): reciprocal-rank
 * fusion of an any-word text list and the semantic list, each {@link #DEPTH} deep, so a hit found
 * by both rises and one found by either still counts.
 */
@Component
class Retrieval {

    /** The fusion's constant: a hit at rank r of a list adds 1 / (K + r). */
    static final int K = 60;

    /** How far down each list fusion reads (and at least as far as the page asked for). */
    static final int DEPTH = 100;

    enum Mode {
        TEXT,
        SEMANTIC,
        HYBRID
    }

    private final TextSearch text;
    private final SegmentVectors vectors;

    Retrieval(TextSearch text, SegmentVectors vectors) {
        this.text = text;
        this.vectors = vectors;
    }

    boolean semanticAvailable() {
        return vectors.enabled();
    }

    /** Up to {@code limit} hits from {@code offset} on, best first. Semantic modes need {@link #semanticAvailable}. */
    List<TextSearch.Found> search(Mode mode, Scope scope, String query, List<String> terms, int limit, int offset)
            throws InterruptedException {
        return switch (mode) {
            case TEXT -> text.search(scope, terms, false, limit, offset);
            case SEMANTIC -> page(semantic(scope, query, limit + offset), limit, offset);
            case HYBRID -> page(hybrid(scope, query, terms, limit + offset), limit, offset);
        };
    }

    /** The text retriever alone, any word of {@code terms}: what fusion reads when there are no vectors. */
    List<TextSearch.Found> anyWords(Scope scope, List<String> terms, int limit) {
        return terms.isEmpty() ? List.of() : text.search(scope, terms, true, limit, 0);
    }

    private List<TextSearch.Found> semantic(Scope scope, String query, int n) throws InterruptedException {
        float[] q = vectors.query(query);
        List<VectorHit> nearest = vectors.nearest(scope, q, n);
        return vectors.hits(scope, nearest);
    }

    private List<TextSearch.Found> hybrid(Scope scope, String query, List<String> terms, int n)
            throws InterruptedException {
        int depth = Math.max(DEPTH, n);
        List<TextSearch.Found> words = terms.isEmpty() ? List.of() : text.search(scope, terms, true, depth, 0);
        List<TextSearch.Found> meaning = semantic(scope, query, depth);
        return fuse(List.of(words, meaning));
    }

    /** Reciprocal-rank fusion: each hit's score is the sum over the lists that hold it of 1 / (K + rank). */
    static List<TextSearch.Found> fuse(List<List<TextSearch.Found>> lists) {
        Map<Long, Fused> fused = new LinkedHashMap<>();
        for (List<TextSearch.Found> list : lists) {
            for (int rank = 0; rank < list.size(); rank++) {
                TextSearch.Found f = list.get(rank);
                Fused into = fused.computeIfAbsent(f.id(), id -> new Fused(f));
                into.score += 1.0 / (K + rank + 1);
                into.retrievers.addAll(f.hit().retrievers());
            }
        }
        return fused.values().stream()
                .sorted(Comparator.comparingDouble((Fused f) -> -f.score).thenComparingLong(f -> f.first.id()))
                .map(f -> new TextSearch.Found(f.first.id(), f.first.hit().scored(f.score, List.copyOf(f.retrievers))))
                .toList();
    }

    private static final class Fused {
        final TextSearch.Found first;
        final List<String> retrievers = new ArrayList<>();
        double score;

        Fused(TextSearch.Found first) {
            this.first = first;
        }
    }

    private static List<TextSearch.Found> page(List<TextSearch.Found> all, int limit, int offset) {
        return all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit));
    }
}
