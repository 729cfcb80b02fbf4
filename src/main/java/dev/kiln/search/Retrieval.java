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
 * ({@code semantic}: the nearest sentence embeddings) and both ({@code hybrid}): reciprocal-rank
 * fusion of an any-word text list and the semantic list (where embeddings are on), each {@link
 * #DEPTH} deep, so a hit found by both rises and one found by either still counts. A list's hits
 * with equal scores share the better rank: the text list scores many rows alike (the same words
 * held), and ranking them by id would let that arbitrary order decide; meaning then orders them.
 * Where a {@link Reranker} is configured, the fused list's first {@code candidates} are put in the
 * order it gives. Fusion reads ids and scores only; the page's hits are read afterwards (snippets
 * for those the text list found), so a deep list costs no snippets.
 */
@Component
class Retrieval {

    /**
     * The fusion's constant and the text list's weight: a hit at rank r (from 1) of the semantic list
     * adds 1 / (K + r), of the text list TEXT_WEIGHT / (K + r). Chosen on the bench's tuning seed
     * (docs/benchmarks.md): a small K keeps the gap between first and second place, which is often all
     * that tells a near-duplicate holding the asked-for code or name from its group, and the text list
     * is the one that sees that word.
     */
    static final int K = 10;

    static final double TEXT_WEIGHT = 2;

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
     * A fused id: its score (the sum over the lists holding it of weight / (K + rank); the reranker's, once
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

    /** Reciprocal-rank fusion of the text list and the semantic list, best first (ties: lower id). */
    static List<Fused> fuse(List<TextSearch.Ranked> words, List<VectorHit> meaning) {
        Map<Long, Fused> fused = new LinkedHashMap<>();
        add(fused, words, TextSearch.Ranked::id, TextSearch.Ranked::score, TEXT_WEIGHT, TextSearch.RETRIEVER);
        add(fused, meaning, VectorHit::id, VectorHit::score, 1, SegmentVectors.RETRIEVER);
        return fused.values().stream()
                .sorted(Comparator.comparingDouble((Fused f) -> -f.score).thenComparingLong(f -> f.id))
                .toList();
    }

    /** Adds a list (best first) by rank: weight / (K + rank), a hit scored as the one before it taking its rank. */
    private static <T> void add(
            Map<Long, Fused> fused,
            List<T> list,
            ToLongFunction<T> id,
            ToDoubleFunction<T> score,
            double weight,
            String retriever) {
        int rank = 0;
        for (int i = 0; i < list.size(); i++) {
            T hit = list.get(i);
            if (i == 0 || score.applyAsDouble(hit) != score.applyAsDouble(list.get(i - 1))) {
                rank = i + 1;
            }
            Fused f = fused.computeIfAbsent(id.applyAsLong(hit), Fused::new);
            f.score += weight / (K + rank);
            f.retrievers.add(retriever);
        }
    }
}
