package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The CPU budget: with a gate in place of the model, the call past max-concurrency waits its turn. */
class TextEmbedderConcurrencyTest {

    @Test
    void theCallPastMaxConcurrencyWaitsUntilOneEnds() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch twoInside = new CountDownLatch(2);
        CountDownLatch open = new CountDownLatch(1);
        Function<List<String>, float[][]> gated = texts -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            twoInside.countDown();
            try {
                open.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            inside.decrementAndGet();
            return new float[texts.size()][MiniLmModel.DIMENSION];
        };
        TextEmbedder embedder = new TextEmbedder(new EmbeddingSettings(true, 2, 1, 8, 256, 0), () -> gated);

        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[][]>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                calls.add(threads.submit(() -> embedder.embed(List.of("text"))));
            }
            assertThat(twoInside.await(5, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> embedder.waiting() == 1);
            assertThat(inside.get()).isEqualTo(2);

            open.countDown();
            for (Future<float[][]> call : calls) {
                assertThat(call.get(5, TimeUnit.SECONDS)).hasDimensions(1, MiniLmModel.DIMENSION);
            }
            assertThat(most.get()).isEqualTo(2);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aLongCallTakesItsTurnPerBatch() throws Exception {
        List<Integer> batchSizes = new ArrayList<>();
        Function<List<String>, float[][]> counting = texts -> {
            synchronized (batchSizes) {
                batchSizes.add(texts.size());
            }
            return new float[texts.size()][MiniLmModel.DIMENSION];
        };
        TextEmbedder embedder = new TextEmbedder(new EmbeddingSettings(true, 1, 1, 8, 256, 0), () -> counting);

        float[][] vectors = embedder.embed(Collections.nCopies(20, "t"));

        assertThat(vectors).hasNumberOfRows(20);
        assertThat(batchSizes).containsExactly(8, 8, 4);
    }
}
