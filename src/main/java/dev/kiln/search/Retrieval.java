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
 * Where a {@link Reranker} is configured, the fused list's first {@code candidates} are put in the
 * order it gives. Without embeddings, hybrid fuses the text list alone.
 */
@Component
class Retrieval {

    /** The semantic list's share of a fused score; the text list has the rest. */
    static final double SEMANTIC_WEIGHT = 0.5;

    /** How far down each list fusion reads (and at least as far as the page, and the reranker's candidates). */
    static final int DEPTH = 100;

    enum Mode {
        TEXT,
        SEMANTIC,
        HYBRID
    }

    /** A page of hits, and what became of reranking: null where none was asked for (no reranker, or not hybrid). */
    record Results(List<TextSearch.Found> found, Reranking reranking) {}

    /** The list was reranked ({@code kept} null), or kept its fused order for this reason. */
    record Reranking(Reranker.Failure kept) {
        static final Reranking APPLIED = new Reranking(null);

        boolean applied() {
            return kept == null;
        }
    }

    private final TextSearch text;
    private final SegmentVectors vectors;
    private final Reranker reranker;

    Retrieval(TextSearch text, SegmentVectors vectors, Reranker reranker) {
        this.text = text;
        this.vectors = vectors;
        this.reranker = reranker;
    }

    boolean semanticAvailable() {
        return vectors.enabled();
    }

    /**
     * Up to {@code limit} hits from {@code offset} on, best first. {@code semantic} needs {@link
     * #semanticAvailable}; {@code hybrid} without it fuses the text list alone. {@code kept}: an
     * earlier page of this list kept its fused order for this reason, so this one does too, without
     * asking the reranker (null: ask, if there is one).
     */
    Results search(
            Mode mode, Scope scope, String query, List<String> terms, int limit, int offset, Reranker.Failure kept)
            throws InterruptedException {
        return switch (mode) {
            case TEXT -> new Results(text.search(scope, terms, false, limit, offset), null);
            case SEMANTIC -> {
                List<VectorHit> nearest = vectors.nearest(scope, vectors.query(query), limit + offset);
                yield new Results(
                        vectors.hits(scope, nearest.subList(Math.min(offset, nearest.size()), nearest.size())), null);
            }
            case HYBRID -> hybrid(scope, query, terms, limit, offset, kept);
        };
    }

    private Results hybrid(Scope scope, String query, List<String> terms, int limit, int offset, Reranker.Failure kept)
            throws InterruptedException {
        int depth = Math.max(Math.max(DEPTH, limit + offset), reranker.configured() ? reranker.candidates() : 0);
        List<TextSearch.Ranked> words = terms.isEmpty() ? List.of() : text.ranked(scope, terms, depth);
        List<VectorHit> meaning = vectors.enabled() ? vectors.nearest(scope, vectors.query(query), depth) : List.of();
        List<Fused> fused = new ArrayList<>(fuse(words, meaning));
        Reranking reranking = null;
        if (reranker.configured()) {
            if (kept != null) {
                reranking = new Reranking(kept);
            } else if (offset >= reranker.candidates()) {
                // Reranking only reorders the candidates: past them the order is the fused one either way.
                reranking = Reranking.APPLIED;
            } else {
                reranking = rerank(scope, query, fused);
            }
        }
        List<Fused> page = fused.subList(Math.min(offset, fused.size()), Math.min(fused.size(), offset + limit));
        return new Results(hits(scope, terms, page), reranking);
    }

    /**
     * Puts the first candidates of {@code fused} in the reranker's order (in place), each scored by it;
     * those it left out follow in fused order. Their texts are read again within the scope, so only
     * rows the caller may see are ever sent.
     */
    private Reranking rerank(Scope scope, String query, List<Fused> fused) throws InterruptedException {
        List<Fused> head = fused.subList(0, Math.min(reranker.candidates(), fused.size()));
        Map<Long, String> texts = text.texts(scope, head.stream().map(f -> f.id).toList());
        List<Fused> sent = head.stream().filter(f -> texts.containsKey(f.id)).toList();
        if (sent.isEmpty()) {
            return Reranking.APPLIED;
        }
        return switch (reranker.rerank(
                query, sent.stream().map(f -> texts.get(f.id)).toList())) {
            case Reranker.Outcome.Failed failed -> new Reranking(failed.failure());
            case Reranker.Outcome.Ordered ordered -> {
                List<Fused> order = new ArrayList<>(head.size());
                for (Reranker.Ranked ranked : ordered.ranking()) {
                    Fused f = sent.get(ranked.index());
                    f.score = ranked.score();
                    f.retrievers.add(Reranker.RETRIEVER);
                    order.add(f);
                }
                head.stream()
                        .filter(f -> !f.retrievers.contains(Reranker.RETRIEVER))
                        .forEach(order::add);
                for (int i = 0; i < order.size(); i++) {
                    head.set(i, order.get(i));
                }
                yield Reranking.APPLIED;
            }
        };
    }

    /** The hits of a page of fused ids, in its order; snippets for those the text list found. */
    private List<TextSearch.Found> hits(Scope scope, List<String> terms, List<Fused> page) {
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

    /**
     * A fused id: its score (the sum over the lists holding it of its weighed, scaled score; the reranker's, once
     * reranked) and which lists found it.
     */
    static final class Fused {
        final long id;
        final List<String> retrievers = new ArrayList<>(3);
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
