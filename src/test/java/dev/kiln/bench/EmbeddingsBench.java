package dev.kiln.bench;

import dev.kiln.KilnHome;
import dev.kiln.embeddings.EmbeddingSettings;
import dev.kiln.embeddings.TextEmbedder;
import dev.kiln.embeddings.VectorCodec;
import dev.kiln.embeddings.VectorIndex;
import dev.kiln.testing.TestDatabases;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Figures for {@code dev.kiln.embeddings} (issue 15's semantic half), in this process:
 * <ol>
 *   <li>model load: the first call of a fresh {@link TextEmbedder}, wall and CPU;</li>
 *   <li>embedding throughput on {@code --segments} generated transcript-like segments of 10–30
 *       words: Kiln's embedder with batch sizes 1, 16 and 64 on one core (its default), and on two,
 *       side by side with langchain4j's own wrapper of the same model ({@code embedAll}, which uses
 *       every core), alternating for {@code --rounds}: segments/s and CPU ms per segment (target
 *       ≥ 200 segments/s);</li>
 *   <li>exact scan of {@code --vectors} random unit vectors of 384 floats: query latency p50/p99
 *       with 1 and 4 concurrent queries (target p99 ≤ 100 ms at 100k), against a plain row-by-row
 *       loop over one float[] (the layout HotSpot does not vectorise); heap per 100k vectors; the
 *       time to build an owner's index from stored bytes (a cache miss).</li>
 * </ol>
 * Run with {@code bench/embeddings.sh [--segments=1000] [--rounds=3] [--vectors=100000] [--queries=400]}.
 */
public final class EmbeddingsBench {

    private static final int DIM = 384;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int segments = Integer.parseInt(options.getOrDefault("segments", "1000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int vectors = Integer.parseInt(options.getOrDefault("vectors", "100000"));
        int queries = Integer.parseInt(options.getOrDefault("queries", "400"));
        System.out.printf(
                Locale.ROOT,
                "machine    %d CPUs, load average %s%n",
                Runtime.getRuntime().availableProcessors(),
                Bench.loadAverage());
        Path home = TestDatabases.tempDir("kiln-embeddings-bench-");
        embedding(home, segments, rounds);
        scan(vectors, queries);
        System.out.printf(Locale.ROOT, "machine    load average at the end %s%n", Bench.loadAverage());
    }

    private static void embedding(Path home, int count, int rounds) throws Exception {
        List<String> texts = segments(count, new Random(15));
        long cpu = cpuMicros();
        long start = System.nanoTime();
        TextEmbedder oneCore = embedder(home, 1, 32);
        oneCore.embed("warm up the model");
        System.out.printf(
                Locale.ROOT,
                "load       first call (model load) %.0f ms wall, %.0f ms CPU%n",
                (System.nanoTime() - start) / 1e6,
                (cpuMicros() - cpu) / 1e3);
        AllMiniLmL6V2QuantizedEmbeddingModel peer = new AllMiniLmL6V2QuantizedEmbeddingModel();
        List<TextSegment> peerTexts = texts.stream().map(TextSegment::from).toList();
        peer.embedAll(peerTexts.subList(0, 8));
        TextEmbedder twoCores = embedder(home, 2, 32);
        twoCores.embed("warm up the model");
        for (int round = 1; round <= rounds; round++) {
            for (int batch : new int[] {1, 16, 64}) {
                TextEmbedder embedder = embedder(home, 1, batch);
                measure("kiln 1 core, batch " + batch, round, count, () -> embedder.embed(texts));
                embedder.close();
            }
            measure("kiln 2 cores, batch 32", round, count, () -> twoCores.embed(texts));
            measure("langchain4j embedAll", round, count, () -> peer.embedAll(peerTexts));
        }
        oneCore.close();
        twoCores.close();
    }

    private static TextEmbedder embedder(Path home, int threads, int batch) {
        return new TextEmbedder(new EmbeddingSettings(true, 1, threads, batch, 256, 0), new KilnHome(home));
    }

    private interface Work {
        void run() throws Exception;
    }

    private static void measure(String name, int round, int count, Work work) throws Exception {
        long cpu = cpuMicros();
        long start = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "embed      round %d %-24s %6.0f segments/s  %5.2f ms CPU/segment  (load %s)%n",
                round,
                name,
                count / seconds,
                (cpuMicros() - cpu) / 1e3 / count,
                Bench.loadAverage());
    }

    /** Transcript-like lines: 10 to 30 words of everyday speech. */
    static List<String> segments(int count, Random random) {
        String[] words = ("so we looked at the budget for next year and I think the main point is that the team"
                        + " needs more time to finish the migration before we can move the servers because"
                        + " customers keep asking about search across their recordings meeting notes"
                        + " interview questions password reset invoice delivery schedule weather report"
                        + " well you know it was really good actually but maybe we should talk about it later"
                        + " right okay yes no thanks everyone who joined today")
                .split(" ");
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = 10 + random.nextInt(21);
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < length; w++) {
                line.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(line.append('.').toString());
        }
        return texts;
    }

    private static void scan(int count, int queries) throws Exception {
        long heapBefore = usedHeap();
        VectorIndex index = new VectorIndex(DIM);
        Random random = new Random(42);
        for (int id = 0; id < count; id++) {
            index.put(id, unit(random));
        }
        index.trimToSize();
        long heapIndex = usedHeap() - heapBefore;
        System.out.printf(
                Locale.ROOT,
                "scan       %d vectors: index heap %.1f MB (%.1f MB per 100k; the floats alone %.1f MB)%n",
                count,
                heapIndex / 1e6,
                heapIndex / 1e6 * 100_000 / count,
                (double) count * DIM * Float.BYTES / 1e6);
        float[] rowMajor = new float[count * DIM];
        List<byte[]> stored = new ArrayList<>(count);
        random = new Random(42);
        for (int id = 0; id < count; id++) {
            float[] v = unit(random);
            System.arraycopy(v, 0, rowMajor, id * DIM, DIM);
            stored.add(VectorCodec.encode(v));
        }
        long start = System.nanoTime();
        VectorIndex loaded = new VectorIndex(DIM, stored.size());
        for (int id = 0; id < stored.size(); id++) {
            loaded.put(id, VectorCodec.decode(stored.get(id), DIM));
        }
        System.out.printf(
                Locale.ROOT,
                "scan       index built from %d stored vectors in %.0f ms (a cache miss, without the database read)%n",
                stored.size(),
                (System.nanoTime() - start) / 1e6);
        float[][] qs = new float[queries][];
        for (int i = 0; i < queries; i++) {
            qs[i] = unit(random);
        }
        for (int round = 1; round <= 2; round++) {
            for (int threads : new int[] {1, 4}) {
                latency("round " + round + " index topK(10)", threads, qs, q -> index.topK(q, 10, null));
                latency("round " + round + " row-major loop", threads, qs, q -> plainScan(rowMajor, q));
            }
        }
    }

    private interface Query {
        Object run(float[] query);
    }

    private static void latency(String name, int threads, float[][] queries, Query query) throws Exception {
        for (int i = 0; i < Math.min(50, queries.length); i++) {
            query.run(queries[i]);
        }
        long[] micros = new long[queries.length];
        long cpu = cpuMicros();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < queries.length; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    long t = System.nanoTime();
                    query.run(queries[n]);
                    micros[n] = (System.nanoTime() - t) / 1000;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(micros);
        System.out.printf(
                Locale.ROOT,
                "scan       %-30s %d concurrent: p50 %5.1f ms  p99 %5.1f ms  %5.0f queries/s  %5.1f ms CPU/query  (load %s)%n",
                name,
                threads,
                Bench.percentile(micros, 50) / 1e3,
                Bench.percentile(micros, 99) / 1e3,
                queries.length / seconds,
                (cpuMicros() - cpu) / 1e3 / queries.length,
                Bench.loadAverage());
    }

    /** The straightforward scan: one dot product per row, a float reduction HotSpot keeps scalar. */
    private static float plainScan(float[] rows, float[] query) {
        float best = Float.NEGATIVE_INFINITY;
        for (int base = 0; base < rows.length; base += DIM) {
            float sum = 0;
            for (int d = 0; d < DIM; d++) {
                sum += query[d] * rows[base + d];
            }
            best = Math.max(best, sum);
        }
        return best;
    }

    private static float[] unit(Random random) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < DIM; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long cpuMicros() {
        return ProcCpu.process(ProcessHandle.current().pid());
    }
}
