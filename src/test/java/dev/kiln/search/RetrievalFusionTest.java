package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.kiln.embeddings.VectorHit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hybrid's fusion of the text list and the semantic list by their scaled scores. */
class RetrievalFusionTest {

    private static List<Long> ids(List<Retrieval.Fused> fused) {
        return fused.stream().map(f -> f.id).toList();
    }

    @Test
    void aNearDuplicateHoldingTheRareWordBeatsItsGroupThoughMeaningPutsItThird() {
        // 5 holds the rare word the question names; 6 and 7 are alike but for it; 8 and 9 are far off.
        List<TextSearch.Ranked> words = List.of(
                new TextSearch.Ranked(5, 12), new TextSearch.Ranked(6, 7),
                new TextSearch.Ranked(7, 7), new TextSearch.Ranked(8, 2));
        List<VectorHit> meaning = List.of(
                new VectorHit(6, 0.81f), new VectorHit(7, 0.80f), new VectorHit(5, 0.79f), new VectorHit(9, 0.4f));
        List<Retrieval.Fused> fused = Retrieval.fuse(words, meaning);
        assertThat(ids(fused)).containsExactly(5L, 6L, 7L, 8L, 9L);
        assertThat(fused.getFirst().score).isCloseTo(0.5 + 0.5 * (0.79 - 0.4) / (0.81 - 0.4), offset(1e-6));
        assertThat(fused.getFirst().retrievers).containsExactly("text", "semantic");
        assertThat(fused.getLast().retrievers).containsExactly("semantic");
        assertThat(fused.getLast().score).isZero();
    }

    @Test
    void hitsAlikeInOneListAreOrderedByTheOther() {
        List<Retrieval.Fused> fused = Retrieval.fuse(
                List.of(new TextSearch.Ranked(1, 3), new TextSearch.Ranked(2, 3)),
                List.of(new VectorHit(2, 0.9f), new VectorHit(1, 0.5f)));
        assertThat(ids(fused)).containsExactly(2L, 1L);
        assertThat(fused.get(0).score).isEqualTo(1.0);
        assertThat(fused.get(1).score).isEqualTo(0.5);
    }

    @Test
    void oneListAloneIsThatListsOrder() {
        assertThat(ids(Retrieval.fuse(List.of(), List.of(new VectorHit(3, 0.7f), new VectorHit(1, 0.6f)))))
                .containsExactly(3L, 1L);
        assertThat(Retrieval.fuse(List.of(), List.of())).isEmpty();
    }
}
