package dev.kiln.bench;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.TestDatabases;
import dev.kiln.uploads.TusRequests;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tus upload end to end into the local directory and into S3 (Adobe S3Mock in its own JVM on this
 * machine), alternating in one run: two Kiln processes with {@code -Xmx256m}, the same file sent in
 * one PATCH to each. Reports MB/s, the completion time (from the last byte sent to the answer: the
 * file stored, on S3 the whole object uploaded), CPU seconds per GiB of Kiln and of S3Mock, and the
 * live-heap growth of a {@code --big} upload. Run with {@code bench/upload-stores.sh}.
 */
public final class UploadStoresBench {

    private static final long MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        long size = Long.parseLong(options.getOrDefault("size", "1024")) * MIB;
        long big = Long.parseLong(options.getOrDefault("big", "2048")) * MIB;
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        Path dir = TestDatabases.tempDir("kiln-upload-stores-");
        Map<String, String> common = Map.of(
                "kiln.files.max-size", "100GB",
                "kiln.limits.requests", "0",
                "logging.level.root", "WARN",
                "logging.level.dev.kiln", "WARN");
        try (S3Server server = S3Server.start(dir.resolve("s3"), "bench")) {
            Map<String, String> s3 = new HashMap<>(common);
            s3.putAll(server.kilnSettings());
            // S3Mock joins a gigabyte's parts for longer than the default read timeout.
            s3.put("kiln.storage.s3.timeout", "3m");
            try (KilnProcess local = start(dir.resolve("local"), common);
                    KilnProcess onS3 = start(dir.resolve("on-s3"), s3)) {
                System.out.printf(
                        Locale.ROOT,
                        "load average %s; %d CPUs%n",
                        Bench.loadAverage(),
                        Runtime.getRuntime().availableProcessors());
                Path source = UploadBench.randomFile(dir.resolve("source.bin"), size);
                for (int round = 1; round <= rounds; round++) {
                    // New content each round: content stored before would only be marked stored again.
                    stamp(source, round);
                    report("local", round, local, -1, source);
                    report("s3", round, onS3, server.pid(), source);
                }
                Files.delete(source);
                Path large = UploadBench.randomFile(dir.resolve("big.bin"), big);
                heap("local", local, large);
                heap("s3", onS3, large);
            }
        }
    }

    private static void stamp(Path file, long round) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(Long.BYTES).putLong(0, round), 0);
        }
    }

    private static KilnProcess start(Path home, Map<String, String> settings) {
        return KilnProcess.measured(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), home, settings, List.of("-Xmx256m"));
    }

    private static void report(String store, int round, KilnProcess kiln, long storePid, Path source) throws Exception {
        long kilnCpu = ProcCpu.process(kiln.pid());
        long storeCpu = storePid > 0 ? ProcCpu.process(storePid) : 0;
        Sent sent = upload(kiln, source);
        double gib = Files.size(source) / (double) (1L << 30);
        System.out.printf(
                Locale.ROOT,
                "round %d  %-5s  %d MiB in %6.2f s = %5.0f MB/s;  completion %5.2f s;  CPU s/GiB: Kiln %.2f%s%n",
                round,
                store,
                Files.size(source) / MIB,
                sent.seconds,
                Files.size(source) / 1e6 / sent.seconds,
                sent.completionSeconds,
                (ProcCpu.process(kiln.pid()) - kilnCpu) / 1e6 / gib,
                storePid > 0 ? ", S3Mock %.2f".formatted((ProcCpu.process(storePid) - storeCpu) / 1e6 / gib) : "");
    }

    private static void heap(String store, KilnProcess kiln, Path source) throws Exception {
        Bench.HeapSampled<Sent> sampled = Bench.sampleHeap(kiln.pid(), () -> upload(kiln, source));
        long before = sampled.before();
        long peak = sampled.peak();
        System.out.printf(
                Locale.ROOT,
                "heap     %-5s  %d MiB in %.1f s: live heap growth %.1f MiB (before %d MiB, peak %d MiB)%n",
                store,
                Files.size(source) / MIB,
                sampled.result().seconds(),
                (peak - before) / (double) MIB,
                before / MIB,
                peak / MIB);
    }

    record Sent(double seconds, double completionSeconds) {}

    /** Creates an upload and sends the whole file in one PATCH; checks the stored file's hash. */
    private static Sent upload(KilnProcess kiln, Path source) throws Exception {
        Api api = kiln.api();
        TusRequests tus = new TusRequests(api, Api.ADMIN_TOKEN);
        String url = tus.create(Files.size(source), Map.of("filename", "bench.bin"));
        AtomicLong lastByteAt = new AtomicLong();
        long start = System.nanoTime();
        Api.Response done;
        try (InputStream body = new FilterInputStream(Files.newInputStream(source)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    lastByteAt.compareAndSet(0, System.nanoTime());
                }
                return n;
            }
        }) {
            done = tus.patch(url, 0, body, Files.size(source));
        }
        long end = System.nanoTime();
        if (done.status() != 204) {
            throw new IllegalStateException("upload failed: " + done);
        }
        String fileId = done.header("Kiln-File-Id").orElseThrow();
        String stored = api.get("/api/v1/files/" + fileId, Api.ADMIN_TOKEN)
                .json()
                .get("sha256")
                .asString();
        String sent;
        try (InputStream in = Files.newInputStream(source)) {
            sent = TestBytes.sha256(in);
        }
        if (!stored.equals(sent)) {
            throw new IllegalStateException("stored content differs");
        }
        api.delete("/api/v1/files/" + fileId, Api.ADMIN_TOKEN);
        long last = lastByteAt.get() == 0 ? end : lastByteAt.get();
        return new Sent((end - start) / 1e9, (end - last) / 1e9);
    }
}
