package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

class VectorIndexTest {

    private static final int DIM = 384;
    private final Random random = new Random(15);

    @Test
    void topKIsExactlyTheBruteForceAnswer() {
        for (int size : new int[] {0, 1, 63, 64, 65, 1000, 4099}) {
            VectorIndex index = new VectorIndex(DIM, size / 2);
            Map<Long, float[]> truth = new HashMap<>();
            for (long id = 0; id < size; id++) {
                float[] v = randomUnit();
                index.put(id * 3, v);
                truth.put(id * 3, v);
            }
            for (int q = 0; q < 5; q++) {
                float[] query = randomUnit();
                for (int k : new int[] {1, 10, 100}) {
                    assertThat(index.topK(query, k, null))
                            .as("size %d, k %d", size, k)
                            .containsExactlyElementsOf(bruteForce(truth, query, k, null));
                }
            }
        }
    }

    @Test
    void replacedAndRemovedVectorsAndAFilterAreHonoured() {
        VectorIndex index = new VectorIndex(DIM);
        Map<Long, float[]> truth = new HashMap<>();
        for (long id = 0; id < 500; id++) {
            float[] v = randomUnit();
            index.put(id, v);
            truth.put(id, v);
        }
        for (long id = 0; id < 500; id += 7) {
            float[] v = randomUnit();
            index.put(id, v);
            truth.put(id, v);
        }
        for (long id = 3; id < 500; id += 5) {
            assertThat(index.remove(id)).isTrue();
            truth.remove(id);
        }
        assertThat(index.remove(3)).isFalse();
        index.trimToSize();
        float[] late = randomUnit();
        index.put(1000, late);
        truth.put(1000L, late);
        assertThat(index.size()).isEqualTo(truth.size());
        assertThat(index.get(7)).containsExactly(truth.get(7L));
        assertThat(index.contains(8)).isFalse();

        LongPredicate even = id -> id % 2 == 0;
        float[] query = randomUnit();
        assertThat(index.topK(query, 20, even)).containsExactlyElementsOf(bruteForce(truth, query, 20, even));
        assertThat(index.topK(query, Integer.MAX_VALUE, null)).hasSize(truth.size());
    }

    @Test
    void aVectorOfTheWrongLengthIsRefused() {
        VectorIndex index = new VectorIndex(4);

        assertThatThrownBy(() -> index.put(1, new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.topK(new float[5], 1, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void searchesWhileVectorsAreAddedSeeOnlyWholeVectors() throws Exception {
        VectorIndex index = new VectorIndex(DIM);
        Map<Long, float[]> added = new ConcurrentHashMap<>();
        for (long id = 0; id < 2000; id++) {
            float[] v = randomUnit();
            added.put(id, v);
            index.put(id, v);
        }
        float[] query = randomUnit();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            Future<?> writer = threads.submit(() -> {
                start.await();
                Random own = new Random(1);
                for (long id = 2000; id < 6000; id++) {
                    float[] v = randomUnit(own);
                    added.put(id, v);
                    index.put(id, v);
                    if (id % 3 == 0) {
                        index.remove(id - 1000);
                    }
                }
                return null;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(threads.submit(() -> {
                    start.await();
                    int searches = 0;
                    while (!writer.isDone() || searches == 0) {
                        for (VectorHit hit : index.topK(query, 10, null)) {
                            // A torn vector (half old row, half moved row) would score otherwise.
                            assertThat(hit.score()).isEqualTo(dot(added.get(hit.id()), query));
                        }
                        searches++;
                    }
                    return searches;
                }));
            }
            start.countDown();
            writer.get(30, TimeUnit.SECONDS);
            for (Future<Integer> reader : readers) {
                assertThat(reader.get(30, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(index.size()).isEqualTo(6000 - 1333);
    }

    /** Every score by a plain loop (float products, summed in double in dimension order): the index must agree to the last bit. */
    static List<VectorHit> bruteForce(Map<Long, float[]> vectors, float[] query, int k, LongPredicate filter) {
        return vectors.entrySet().stream()
                .filter(e -> filter == null || filter.test(e.getKey()))
                .map(e -> new VectorHit(e.getKey(), dot(e.getValue(), query)))
                .sorted(Comparator.comparing(VectorHit::score).reversed().thenComparing(VectorHit::id))
                .limit(k)
                .toList();
    }

    static float dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return (float) sum;
    }

    private float[] randomUnit() {
        return randomUnit(random);
    }

    static float[] randomUnit(Random random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
        }
        MiniLmModel.normalize(v);
        return v;
    }
}
