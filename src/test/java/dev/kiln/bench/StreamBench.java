package dev.kiln.bench;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.net.http.WebSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Live-progress figures, with Kiln in its own process and every client in this one:
 * <ol>
 *   <li>latency from {@code progress()} in a processor to receipt by WebSocket clients (p50/p99),
 *       with {@code --clients} connected clients following {@code --jobs} busy jobs;</li>
 *   <li>events delivered per second to clients following busy jobs while {@code --idle} idle
 *       connections are open;</li>
 *   <li>heap per idle connection: Kiln's used heap after a full GC, before and after opening them.</li>
 * </ol>
 * Run with {@code bench/stream.sh}.
 */
public final class StreamBench {

    private static final Pattern STAGE_TIME = Pattern.compile("\"stage\":\"t=(\\d+)\"");

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int clients = Integer.parseInt(options.getOrDefault("clients", "1000"));
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "100"));
        int idle = Integer.parseInt(options.getOrDefault("idle", "10000"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));

        try (KilnProcess kiln = KilnProcess.measured(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-stream-bench-"),
                Map.of(
                        "kiln.stream.max-connections-per-user", "50000",
                        "kiln.stream.max-connections-per-ip", "0",
                        "kiln.limits.requests", "0",
                        "kiln.limits.submissions", "0",
                        "kiln.limits.max-running-jobs", "0",
                        "kiln.processors.test-ticker.concurrency", Integer.toString(jobs),
                        "logging.level.root", "WARN",
                        "logging.level.dev.kiln", "WARN"),
                List.of("-XX:NativeMemoryTracking=summary"))) {
            Api api = kiln.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "bench");
            latency(kiln, api, file, clients, jobs, seconds);
            idleAndBusy(kiln, api, file, idle, jobs, seconds);
        }
    }

    /** (a) p50/p99 from progress() to receipt, one progress report every 500 ms per job. */
    private static void latency(KilnProcess kiln, Api api, String file, int clients, int jobs, int seconds)
            throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add(api.submit(Api.ADMIN_TOKEN, "test-pulse", file, "{\"count\":100000,\"intervalMs\":500}"));
        }
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong measuring = new AtomicLong(0);
        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String job = ids.get(i % jobs);
            sockets.add(Bench.openStream(
                    kiln.port(),
                    Api.ADMIN_TOKEN,
                    text -> {
                        if (measuring.get() == 1) {
                            Matcher m = STAGE_TIME.matcher(text);
                            if (m.find()) {
                                Instant now = Instant.now();
                                latencies.add(now.getEpochSecond() * 1_000_000
                                        + now.getNano() / 1_000
                                        - Long.parseLong(m.group(1)));
                            }
                        }
                    },
                    "{\"type\":\"subscribe\",\"jobs\":[\"" + job + "\"]}"));
        }
        Thread.sleep(3_000); // warm up
        measuring.set(1);
        Thread.sleep(seconds * 1000L);
        measuring.set(2);
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                Locale.ROOT,
                "latency  clients=%d jobs=%d samples=%d  p50=%.1f ms  p99=%.1f ms  max=%.1f ms%n",
                clients,
                jobs,
                sorted.length,
                Bench.percentile(sorted, 50) / 1000.0,
                Bench.percentile(sorted, 99) / 1000.0,
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0);
        sockets.forEach(WebSocket::abort);
        for (String id : ids) {
            api.postEmpty("/api/v1/jobs/" + id + "/cancel", Api.ADMIN_TOKEN);
        }
    }

    /** (b) and (c): idle connections' heap, and delivery to busy followers while they are open. */
    private static void idleAndBusy(KilnProcess kiln, Api api, String file, int idle, int jobs, int seconds)
            throws Exception {
        Thread.sleep(2_000);
        long before = Bench.usedHeapAfterGc(kiln.pid());
        long directBefore = Bench.directMemory(kiln.pid());
        List<WebSocket> idleSockets = new ArrayList<>(idle);
        for (int i = 0; i < idle; i++) {
            idleSockets.add(Bench.openStream(kiln.port(), Api.ADMIN_TOKEN, text -> {}, null));
        }
        Thread.sleep(3_000);
        long after = Bench.usedHeapAfterGc(kiln.pid());
        long directAfter = Bench.directMemory(kiln.pid());
        System.out.printf(
                Locale.ROOT,
                "heap     idle=%d  before=%d MiB  after=%d MiB  per connection=%.1f KiB"
                        + "  (direct, outside the heap: %.1f KiB)%n",
                idle,
                before >> 20,
                after >> 20,
                (after - before) / 1024.0 / idle,
                (directAfter - directBefore) / 1024.0 / idle);
        if (Boolean.getBoolean("bench.histogram")) {
            System.out.println(String.join(
                    "\n",
                    Bench.jcmd(kiln.pid(), "GC.class_histogram")
                            .lines()
                            .limit(30)
                            .toList()));
        }

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add(api.submit(Api.ADMIN_TOKEN, "test-ticker", file, "{\"count\":100000,\"intervalMs\":1}"));
        }
        AtomicLong delivered = new AtomicLong();
        AtomicLong counting = new AtomicLong();
        List<WebSocket> busy = new ArrayList<>();
        for (String id : ids) {
            busy.add(Bench.openStream(
                    kiln.port(),
                    Api.ADMIN_TOKEN,
                    text -> {
                        if (counting.get() == 1 && text.startsWith("{\"type\":\"event\"")) {
                            delivered.incrementAndGet();
                        }
                    },
                    "{\"type\":\"subscribe\",\"jobs\":[\"" + id + "\"]}"));
        }
        Thread.sleep(3_000);
        counting.set(1);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        counting.set(2);
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "delivery idle=%d busy jobs=%d  events delivered=%d  %.0f events/s%n",
                idleSockets.size(),
                jobs,
                delivered.get(),
                delivered.get() / elapsed);
        for (String id : ids) {
            api.postEmpty("/api/v1/jobs/" + id + "/cancel", Api.ADMIN_TOKEN);
        }
        busy.forEach(WebSocket::abort);
        idleSockets.forEach(WebSocket::abort);
    }
}
