package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.embeddings.VectorHit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hybrid's reciprocal-rank fusion of the text list and the semantic list. */
class RetrievalFusionTest {

    private static final int K = Retrieval.K;
    private static final double TEXT = Retrieval.TEXT_WEIGHT;

    private static List<Long> ids(List<Retrieval.Fused> fused) {
        return fused.stream().map(f -> f.id).toList();
    }

    @Test
    void hitsTheTextListScoresAlikeShareARankAndMeaningOrdersThem() {
        // Ranked by place, 1 would be first in text and second in meaning, as 2 is the other way round:
        // a tie, decided by the id. Sharing the text rank, meaning decides.
        List<Retrieval.Fused> fused = Retrieval.fuse(
                List.of(new TextSearch.Ranked(1, 3), new TextSearch.Ranked(2, 3)),
                List.of(new VectorHit(2, 0.9f), new VectorHit(1, 0.5f)));
        assertThat(ids(fused)).containsExactly(2L, 1L);
        assertThat(fused.get(0).score).isEqualTo(TEXT / (K + 1) + 1.0 / (K + 1));
        assertThat(fused.get(1).score).isEqualTo(TEXT / (K + 1) + 1.0 / (K + 2));
    }

    @Test
    void aSharedRankIsTheBetterOneAndTheNextScoreTakesItsPlace() {
        List<Retrieval.Fused> fused = Retrieval.fuse(
                List.of(
                        new TextSearch.Ranked(1, 9),
                        new TextSearch.Ranked(2, 4),
                        new TextSearch.Ranked(3, 4),
                        new TextSearch.Ranked(4, 1)),
                List.of());
        assertThat(fused)
                .extracting(f -> f.score)
                .containsExactly(TEXT / (K + 1), TEXT / (K + 2), TEXT / (K + 2), TEXT / (K + 4));
    }

    @Test
    void aHitInBothListsBeatsOneFirstInOneListOnlyAndTheTextListWeighsMore() {
        List<Retrieval.Fused> fused = Retrieval.fuse(
                List.of(new TextSearch.Ranked(5, 12), new TextSearch.Ranked(6, 7)),
                List.of(new VectorHit(7, 0.8f), new VectorHit(6, 0.7f)));
        assertThat(ids(fused)).containsExactly(6L, 5L, 7L);
        assertThat(fused.get(1).score).isGreaterThan(fused.get(2).score);
        assertThat(fused.getFirst().retrievers).containsExactly("text", "semantic");
        assertThat(fused.get(1).retrievers).containsExactly("text");
        assertThat(fused.get(2).retrievers).containsExactly("semantic");
    }

    @Test
    void oneListAloneIsThatListsOrder() {
        assertThat(ids(Retrieval.fuse(List.of(), List.of(new VectorHit(3, 0.7f), new VectorHit(1, 0.6f)))))
                .containsExactly(3L, 1L);
        assertThat(Retrieval.fuse(List.of(), List.of())).isEmpty();
    }
}
