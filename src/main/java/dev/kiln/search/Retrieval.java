package dev.kiln.search;

import dev.kiln.embeddings.VectorHit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.springframework.stereotype.Component;

/**
 * The three ways to search a {@link Scope}: by words ({@code text}: every word, ranked), by meaning
 * ({@code semantic}: the nearest sentence embeddings) and both ({@code hybrid}): an any-word text
 * list and the semantic list, each {@link #DEPTH} deep, fused by their scores, each list's scaled
 * from its worst (0) to its best (1) and the two added, half each: a hit found by both rises, one
 * found by either still counts, and how far apart a list's hits are counts too (a rare word held
 * by one near-duplicate and not the others; text scores alike for many, which meaning then
 * orders), where ranks alone would not tell. Fusion reads ids and scores only; the page's hits are
 * read afterwards (snippets for those the text list found), so a deep list costs no snippets.
 */
@Component
class Retrieval {

    /** The semantic list's share of a fused score; the text list has the rest. */
    static final double SEMANTIC_WEIGHT = 0.5;

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
            case SEMANTIC -> {
                List<VectorHit> nearest = vectors.nearest(scope, vectors.query(query), limit + offset);
                yield vectors.hits(scope, nearest.subList(Math.min(offset, nearest.size()), nearest.size()));
            }
            case HYBRID -> hybrid(scope, query, terms, limit, offset);
        };
    }

    /** The text retriever alone, any word of {@code terms}: what fusion reads when there are no vectors. */
    List<TextSearch.Found> anyWords(Scope scope, List<String> terms, int limit) {
        return terms.isEmpty() ? List.of() : text.search(scope, terms, true, limit, 0);
    }

    private List<TextSearch.Found> hybrid(Scope scope, String query, List<String> terms, int limit, int offset)
            throws InterruptedException {
        int depth = Math.max(DEPTH, limit + offset);
        List<TextSearch.Ranked> words = terms.isEmpty() ? List.of() : text.ranked(scope, terms, depth);
        List<Fused> fused = fuse(words, vectors.nearest(scope, vectors.query(query), depth));
        List<Fused> page = fused.subList(Math.min(offset, fused.size()), Math.min(fused.size(), offset + limit));
        Set<Long> byWords = new HashSet<>();
        List<VectorHit> byMeaningOnly = new ArrayList<>();
        for (Fused f : page) {
            if (f.retrievers.contains(TextSearch.RETRIEVER)) {
                byWords.add(f.id);
            } else {
                byMeaningOnly.add(new VectorHit(f.id, 0));
            }
        }
        Map<Long, Hit> hits = new HashMap<>();
        text.hitsOf(scope, terms, byWords).forEach(f -> hits.put(f.id(), f.hit()));
        vectors.hits(scope, byMeaningOnly).forEach(f -> hits.put(f.id(), f.hit()));
        List<TextSearch.Found> found = new ArrayList<>();
        for (Fused f : page) {
            Hit hit = hits.get(f.id);
            if (hit != null) { // gone since it was ranked (deleted, or edited and waiting for its vector)
                found.add(new TextSearch.Found(f.id, hit.scored(f.score, List.copyOf(f.retrievers))));
            }
        }
        return found;
    }

    /** A fused id: its score (the sum over the lists holding it of its weighed, scaled score) and which lists. */
    static final class Fused {
        final long id;
        final List<String> retrievers = new ArrayList<>(2);
        double score;

        Fused(long id) {
            this.id = id;
        }
    }

    /** The text list and the semantic list fused by their scaled scores, best first (ties: lower id). */
    static List<Fused> fuse(List<TextSearch.Ranked> words, List<VectorHit> meaning) {
        Map<Long, Fused> fused = new LinkedHashMap<>();
        add(fused, words, TextSearch.Ranked::id, TextSearch.Ranked::score, 1 - SEMANTIC_WEIGHT, TextSearch.RETRIEVER);
        add(fused, meaning, VectorHit::id, VectorHit::score, SEMANTIC_WEIGHT, SegmentVectors.RETRIEVER);
        return fused.values().stream()
                .sorted(Comparator.comparingDouble((Fused f) -> -f.score).thenComparingLong(f -> f.id))
                .toList();
    }

    /** Adds a list: each hit's score scaled from the list's worst (0) to its best (1; all 1 when alike), weighed. */
    private static <T> void add(
            Map<Long, Fused> fused,
            List<T> list,
            ToLongFunction<T> id,
            ToDoubleFunction<T> score,
            double weight,
            String retriever) {
        double best = list.stream().mapToDouble(score).max().orElse(0);
        double worst = list.stream().mapToDouble(score).min().orElse(0);
        for (T hit : list) {
            Fused f = fused.computeIfAbsent(id.applyAsLong(hit), Fused::new);
            f.score += weight * (best == worst ? 1 : (score.applyAsDouble(hit) - worst) / (best - worst));
            f.retrievers.add(retriever);
        }
    }
}
