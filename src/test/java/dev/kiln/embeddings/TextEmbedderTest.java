package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.KilnHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real model, loaded once for the class. */
class TextEmbedderTest {

    @TempDir
    static Path home;

    private static TextEmbedder embedder;

    @BeforeAll
    static void start() {
        embedder = new TextEmbedder(new EmbeddingSettings(true, 1, 1, 4, 256, 1000), new KilnHome(home));
    }

    @AfterAll
    static void stop() throws Exception {
        embedder.close();
    }

    @Test
    void aQuestionIsNearerToItsAnswerThanToAnotherTopic() throws Exception {
        float[][] v = embedder.embed(List.of(
                "How do I reset my password?",
                "steps to change a forgotten password",
                "the weather in Paris",
                "Rain is expected in the French capital tomorrow"));

        assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.2f);
        assertThat(dot(v[2], v[3])).isGreaterThan(dot(v[2], v[1]) + 0.2f);
    }

    @Test
    void vectorsHaveUnitLengthAndTheModelsDimension() throws Exception {
        float[][] vectors = embedder.embed(List.of("a", "The quick brown fox jumps over the lazy dog.", "", "   "));

        assertThat(vectors).hasNumberOfRows(4);
        for (float[] v : vectors) {
            assertThat(v).hasSize(embedder.dimension());
            assertThat(dot(v, v)).isCloseTo(1f, within(1e-5f));
        }
        assertThat(vectors[2]).as("blank texts: the vector of no words").containsExactly(vectors[3]);
    }

    @Test
    void aBatchGivesWhatEachTextGivesAlone() throws Exception {
        List<String> texts = List.of(
                "short",
                "a somewhat longer sentence about transcribing recordings of meetings",
                "documents are split into pages, and pages into paragraphs",
                "ok",
                "the fifth text starts a second batch of four",
                "and a sixth");

        float[][] together = embedder.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = embedder.embed(texts.get(i));
            // Bit for bit: a text's vector does not depend on the texts embedded with it.
            assertThat(together[i]).containsExactly(alone);
        }
    }

    @Test
    void aTextPastTheTokenLimitIsCutThere() throws Exception {
        String head = String.join(" ", Collections.nCopies(150, "meeting minutes budget"));
        String tail = String.join(" ", Collections.nCopies(150, "volcano lava eruption"));

        float[][] v = embedder.embed(List.of(head, head + " " + tail));

        assertThat(v[1]).as("the tail is past 256 word pieces").containsExactly(v[0], within(1e-6f));
        TextEmbedder longer = new TextEmbedder(new EmbeddingSettings(true, 1, 1, 4, 512, 0), new KilnHome(home));
        try {
            float[][] w = longer.embed(List.of(head, head + " " + tail));
            assertThat(dot(w[0], w[1])).as("within 512 the tail counts").isLessThan(0.99f);
            assertThat(longer.modelId()).isNotEqualTo(embedder.modelId());
        } finally {
            longer.close();
        }
    }

    @Test
    void theModelLoadsOnFirstUseAndIsNamedWithItsVersion() throws Exception {
        TextEmbedder fresh = new TextEmbedder(EmbeddingSettings.defaults(), new KilnHome(home));
        try {
            assertThat(fresh.loaded()).isFalse();
            assertThat(fresh.modelId()).matches("all-minilm-l6-v2-q@\\d+\\.\\d+\\.\\d+.*/256");
            fresh.embed("hello");
            assertThat(fresh.loaded()).isTrue();
        } finally {
            fresh.close();
        }
    }

    @Test
    void disabledRefusesAndNullIsRejected() {
        TextEmbedder off = new TextEmbedder(new EmbeddingSettings(false, 1, 1, 4, 256, 0), new KilnHome(home));

        assertThatThrownBy(() -> off.embed("x")).isInstanceOf(IllegalStateException.class);
        assertThat(off.loaded()).isFalse();
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> embedder.embed(withNull)).isInstanceOf(NullPointerException.class);
    }

    static float dot(float[] a, float[] b) {
        float sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
