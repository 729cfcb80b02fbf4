package dev.kiln.bench;

import dev.kiln.storage.BlobStore;
import dev.kiln.storage.LocalBlobStore;
import dev.kiln.storage.S3BlobStore;
import dev.kiln.storage.S3Settings;
import dev.kiln.storage.StoredBlob;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.TestBytes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.util.FileSystemUtils;
import org.springframework.util.unit.DataSize;

/**
 * The blob store on its own, local directory and S3 (S3Mock in its own JVM on this machine) alternating in one
 * run: put throughput of a generated stream (MB/s, and CPU ms per MB here and in S3Mock), the heap a 2 GiB put
 * into S3 needs, and a processor's start through the cache (a cold local copy fetched from the bucket, a warm
 * one, and the local store's own file).
 */
public final class BlobStoreBench {

    private static final double MB = 1024.0 * 1024.0;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int size = Integer.parseInt(options.getOrDefault("size", "256"));
        int big = Integer.parseInt(options.getOrDefault("big", "2048"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        Path dir = Files.createTempDirectory("kiln-blob-bench");
        try (S3Server server = S3Server.start(dir, "bench")) {
            S3Settings settings = new S3Settings(
                    server.endpoint(),
                    "bench",
                    "us-east-1",
                    "bench",
                    "bench",
                    true,
                    null,
                    DataSize.ofMegabytes(64),
                    4,
                    // S3Mock joins a multipart upload's parts before it answers (AWS sends keep-alive spaces
                    // meanwhile).
                    Duration.ofMinutes(3));
            LocalBlobStore local = new LocalBlobStore(dir.resolve("local"));
            try (S3BlobStore s3 = S3BlobStore.of(settings, dir.resolve("cache"), new SimpleMeterRegistry())) {
                System.out.printf("put of %d MiB, %d rounds alternating; load %s%n", size, rounds, Bench.loadAverage());
                for (int round = 1; round <= rounds; round++) {
                    put("local", local, size, -1);
                    put("s3   ", s3, size, server.pid());
                }
                startThroughCache(local, s3, dir, size);
                heapOfBigPut(s3, big);
            }
        } finally {
            FileSystemUtils.deleteRecursively(dir);
        }
    }

    private static void put(String name, BlobStore store, int sizeMb, long serverPid) throws IOException {
        long seed = System.nanoTime();
        long serverCpu = serverPid > 0 ? ProcCpu.process(serverPid) : 0;
        long cpu = cpuNanos();
        long start = System.nanoTime();
        StoredBlob blob = store.put(TestBytes.generated(seed, 0, sizeMb * (long) MB), Long.MAX_VALUE);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMsPerMb = (cpuNanos() - cpu) / 1e6 / sizeMb;
        String server = serverPid > 0
                ? String.format(", S3Mock %.1f CPU ms/MB", (ProcCpu.process(serverPid) - serverCpu) / 1e3 / sizeMb)
                : "";
        System.out.printf(
                "  %s put: %6.1f MB/s, %.1f CPU ms/MB in Kiln%s%n", name, sizeMb / seconds, cpuMsPerMb, server);
        store.delete(blob.sha256());
    }

    private static void startThroughCache(LocalBlobStore local, S3BlobStore s3, Path dir, int sizeMb)
            throws IOException {
        long seed = 42;
        String sha = local.put(TestBytes.generated(seed, 0, sizeMb * (long) MB), Long.MAX_VALUE)
                .sha256();
        s3.put(TestBytes.generated(seed, 0, sizeMb * (long) MB), Long.MAX_VALUE);
        // Another node: a cache of its own, empty.
        S3Settings one = s3.settings();
        // Room for the input, so the second copy is a hit.
        S3Settings settings = new S3Settings(
                one.endpoint(),
                one.bucket(),
                one.region(),
                one.accessKey(),
                one.secretKey(),
                one.pathStyle(),
                one.prefix(),
                DataSize.ofMegabytes(sizeMb * 2L),
                one.maxAttempts(),
                one.timeout());
        try (S3BlobStore otherNode =
                S3BlobStore.of(settings, dir.resolve("other-cache-" + UUID.randomUUID()), new SimpleMeterRegistry())) {
            System.out.printf("processor start (a local file of the %d MiB input):%n", sizeMb);
            System.out.printf("  local store (its own file): %8.1f ms%n", copyMillis(local, sha));
            System.out.printf("  s3, cold cache (fetched):   %8.1f ms%n", copyMillis(otherNode, sha));
            System.out.printf("  s3, warm cache:             %8.1f ms%n", copyMillis(otherNode, sha));
        }
        local.delete(sha);
        s3.delete(sha);
    }

    private static double copyMillis(BlobStore store, String sha) throws IOException {
        long start = System.nanoTime();
        try (BlobStore.LocalCopy copy = store.localCopy(sha)) {
            long size = Files.size(copy.path());
            if (size == 0) {
                throw new IllegalStateException("an empty copy of " + sha);
            }
            return (System.nanoTime() - start) / 1e6;
        }
    }

    private static void heapOfBigPut(S3BlobStore s3, int bigMb) throws IOException {
        System.gc();
        long before = heapUsed();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();
        StoredBlob blob = s3.put(TestBytes.generated(7, 0, bigMb * (long) MB), Long.MAX_VALUE);
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
        System.out.printf(
                "put of %d MiB into S3 (multipart): %.1f MB/s; heap used before %.0f MB, peak during %.0f MB (max heap %.0f MB)%n",
                bigMb,
                bigMb / seconds,
                before / MB,
                peak / MB,
                Runtime.getRuntime().maxMemory() / MB);
        s3.delete(blob.sha256());
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
