package dev.kiln.bench;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Upload figures, with Kiln in its own process (its heap capped, so "does not exhaust memory" is
 * a fact, not a hope) and tus-js-client, run by Node, as the client:
 * <ol>
 *   <li>the disk's own speed: {@code dd if=/dev/zero bs=1M count=1024 conv=fsync} in Kiln's data directory;</li>
 *   <li>a {@code --size}-MiB upload over loopback: MB/s against dd, and Kiln's live heap growth;</li>
 *   <li>a {@code --big}-MiB upload: Kiln's live heap growth (sampled after a full GC every second);</li>
 *   <li>{@code --concurrent} uploads of {@code --each} MiB at once while one client keeps
 *       asking {@code GET /api/v1/jobs}: its latency (p50/p99), and every upload's sha256.</li>
 * </ol>
 * The Node clients run under {@code nice -n --client-nice} (default 10): on a small machine they
 * share the server's cores, where real clients would be remote; {@code --client-nice=0} measures
 * the contended case. Run with {@code bench/uploads.sh}.
 */
public final class UploadBench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MIB = 1024 * 1024;
    private static final ExecutorService UPLOADERS = Executors.newCachedThreadPool();
    private static String clientNice;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        long size = Long.parseLong(options.getOrDefault("size", "1024")) * MIB;
        long big = Long.parseLong(options.getOrDefault("big", "2048")) * MIB;
        int concurrent = Integer.parseInt(options.getOrDefault("concurrent", "20"));
        long each = Long.parseLong(options.getOrDefault("each", "200")) * MIB;
        String heap = options.getOrDefault("heap", "256m");
        clientNice = options.getOrDefault("client-nice", "10");

        Path home = TestDatabases.tempDir("kiln-upload-bench-");
        Path sources = Files.createDirectories(home.resolve("bench-sources")); // same disk as the uploads
        try (KilnProcess kiln = KilnProcess.measured(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                home,
                Map.of(
                        "kiln.files.max-size", "100GB",
                        "kiln.limits.requests", "0",
                        "logging.level.root", "WARN",
                        "logging.level.dev.kiln", "WARN"),
                kilnJvm(heap, options.get("kiln-jvm")))) {
            System.out.printf(
                    Locale.ROOT,
                    "kiln     -Xmx%s, data in %s, %d CPUs%n",
                    heap,
                    home,
                    Runtime.getRuntime().availableProcessors());
            double dd = ddMegabytesPerSecond(home);
            System.out.printf(Locale.ROOT, "disk     dd if=/dev/zero bs=1M count=1024 conv=fsync: %.0f MB/s%n", dd);

            Upload one = measured(kiln, randomFile(sources.resolve("one.bin"), size));
            System.out.printf(
                    Locale.ROOT,
                    "upload   %d MiB in %.2f s: %.0f MB/s = %.0f%% of dd;  heap growth %.1f MiB (before %d MiB, peak %d MiB)%n",
                    size / MIB,
                    one.seconds,
                    size / 1e6 / one.seconds,
                    100 * size / 1e6 / one.seconds / dd,
                    (one.peakHeap - one.heapBefore) / (double) MIB,
                    one.heapBefore / MIB,
                    one.peakHeap / MIB);
            Files.delete(one.source);

            Upload large = measured(kiln, randomFile(sources.resolve("big.bin"), big));
            System.out.printf(
                    Locale.ROOT,
                    "upload   %d MiB in %.2f s: %.0f MB/s;  heap growth %.1f MiB (before %d MiB, peak %d MiB)%n",
                    big / MIB,
                    large.seconds,
                    big / 1e6 / large.seconds,
                    (large.peakHeap - large.heapBefore) / (double) MIB,
                    large.heapBefore / MIB,
                    large.peakHeap / MIB);
            Files.delete(large.source);

            concurrently(kiln, randomFile(sources.resolve("each.bin"), each), concurrent);
        }
    }

    /** Kiln's heap cap, and any {@code --kiln-jvm} options (space-separated). */
    private static List<String> kilnJvm(String heap, String extra) {
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + heap));
        if (extra != null) {
            jvm.addAll(List.of(extra.split(" ")));
        }
        return jvm;
    }

    record Upload(Path source, double seconds, long heapBefore, long peakHeap) {}

    /** One upload while Kiln's heap is sampled (after a full GC) every second. */
    private static Upload measured(KilnProcess kiln, Path source) throws Exception {
        String sha256 = sha256(source);
        Bench.HeapSampled<JsonNode> sampled =
                Bench.sampleHeap(kiln.pid(), () -> tus(kiln, source).get());
        verify(kiln, sampled.result(), sha256);
        return new Upload(source, sampled.result().get("seconds").asDouble(), sampled.before(), sampled.peak());
    }

    /** Many uploads at once, while one client asks for the job list again and again. */
    private static void concurrently(KilnProcess kiln, Path source, int count) throws Exception {
        String sha256 = sha256(source);
        Api api = kiln.api();
        String file = api.textFile(Api.ADMIN_TOKEN, "bench");
        for (int i = 0; i < 50; i++) {
            api.submit(Api.ADMIN_TOKEN, "test-echo", file, null);
        }
        HttpRequest list = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + kiln.port() + "/api/v1/jobs?limit=50"))
                .header("Authorization", "Bearer " + Api.ADMIN_TOKEN)
                .build();
        ConcurrentLinkedQueue<Long> idle = latencies(list, 200);

        long started = System.nanoTime();
        List<CompletableFuture<JsonNode>> uploads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            uploads.add(tus(kiln, source));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new));
        ConcurrentLinkedQueue<Long> busy = new ConcurrentLinkedQueue<>();
        while (!all.isDone()) {
            busy.add(timed(list));
            Thread.sleep(10);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        for (CompletableFuture<JsonNode> upload : uploads) {
            verify(kiln, upload.get(), sha256);
        }
        long[] quiet = sorted(idle);
        long[] loaded = sorted(busy);
        System.out.printf(
                Locale.ROOT,
                "parallel %d x %d MiB in %.1f s (%.0f MB/s together), all sha256 match;%n"
                        + "         GET /api/v1/jobs while they run: %d requests, p50=%.1f ms p99=%.1f ms max=%.1f ms"
                        + " (idle: p50=%.1f ms p99=%.1f ms)%n",
                count,
                Files.size(source) / MIB,
                seconds,
                count * Files.size(source) / 1e6 / seconds,
                loaded.length,
                Bench.percentile(loaded, 50) / 1e6,
                Bench.percentile(loaded, 99) / 1e6,
                loaded[loaded.length - 1] / 1e6,
                Bench.percentile(quiet, 50) / 1e6,
                Bench.percentile(quiet, 99) / 1e6);
        Files.delete(source);
    }

    private static ConcurrentLinkedQueue<Long> latencies(HttpRequest request, int count) throws Exception {
        ConcurrentLinkedQueue<Long> out = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < count; i++) {
            out.add(timed(request));
            Thread.sleep(10);
        }
        return out;
    }

    private static long timed(HttpRequest request) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        long elapsed = System.nanoTime() - start;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /api/v1/jobs: " + response.statusCode() + " " + response.body());
        }
        return elapsed;
    }

    /** Uploads {@code source} with tus-js-client (web/tools/tus-upload.mjs); completes with its JSON report. */
    private static CompletableFuture<JsonNode> tus(KilnProcess kiln, Path source) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        Process node = new ProcessBuilder(
                                        "nice",
                                        "-n",
                                        clientNice,
                                        "node",
                                        "tools/tus-upload.mjs",
                                        "--endpoint",
                                        "http://localhost:" + kiln.port() + "/api/v1/uploads",
                                        "--token",
                                        Api.ADMIN_TOKEN,
                                        "--file",
                                        source.toString())
                                .directory(Path.of("web").toFile())
                                .redirectError(ProcessBuilder.Redirect.INHERIT)
                                .start();
                        String out = new String(node.getInputStream().readAllBytes());
                        if (!node.waitFor(30, TimeUnit.MINUTES) || node.exitValue() != 0) {
                            throw new IllegalStateException("tus-js-client failed: " + out);
                        }
                        return JSON.readTree(out.strip());
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                },
                UPLOADERS);
    }

    private static void verify(KilnProcess kiln, JsonNode result, String sha256) {
        JsonNode file = kiln.api()
                .get("/api/v1/files/" + result.get("fileId").asString(), Api.ADMIN_TOKEN)
                .json();
        if (!sha256.equals(file.get("sha256").asString())) {
            throw new IllegalStateException("stored content differs: " + file);
        }
    }

    private static double ddMegabytesPerSecond(Path dir) throws Exception {
        Path target = dir.resolve("dd.bin");
        Process dd = new ProcessBuilder("dd", "if=/dev/zero", "of=" + target, "bs=1M", "count=1024", "conv=fsync")
                .redirectErrorStream(true)
                .start();
        String out = new String(dd.getInputStream().readAllBytes());
        dd.waitFor();
        Files.deleteIfExists(target);
        Matcher seconds = Pattern.compile("copied, ([\\d.]+) s").matcher(out);
        if (!seconds.find()) {
            throw new IllegalStateException("no figure from dd: " + out);
        }
        return 1024 * MIB / 1e6 / Double.parseDouble(seconds.group(1));
    }

    static Path randomFile(Path path, long size) throws IOException {
        byte[] block = new byte[(int) MIB];
        Random random = new Random(size);
        try (OutputStream out = Files.newOutputStream(path)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
        return path;
    }

    private static long[] sorted(ConcurrentLinkedQueue<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) != -1; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
