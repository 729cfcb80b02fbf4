package dev.kiln.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks share: their options, percentiles, stream sockets, and figures read from Kiln's JVM with jcmd. */
final class Bench {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Bench() {}

    /**
     * Opens a socket on {@code /api/v1/stream} authenticated with {@code token} (in the first message), answers pings,
     * sends {@code first} unless null, and feeds every other text to {@code onText}.
     */
    static WebSocket openStream(int port, String token, Consumer<String> onText, String first) throws Exception {
        CompletableFuture<Void> welcomed = new CompletableFuture<>();
        WebSocket socket = HTTP.newWebSocketBuilder()
                .buildAsync(URI.create("ws://localhost:" + port + "/api/v1/stream"), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            String text = partial.toString();
                            partial.setLength(0);
                            if (text.startsWith("{\"type\":\"ping\"")) {
                                ws.sendText(text.replace("\"ping\"", "\"pong\""), true);
                            } else if (text.startsWith("{\"type\":\"welcome\"")) {
                                welcomed.complete(null);
                            } else {
                                onText.accept(text);
                            }
                        }
                        ws.request(1);
                        return null;
                    }
                })
                .get(10, TimeUnit.SECONDS);
        socket.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}", true).get(10, TimeUnit.SECONDS);
        welcomed.get(10, TimeUnit.SECONDS);
        if (first != null) {
            socket.sendText(first, true).get(10, TimeUnit.SECONDS);
        }
        return socket;
    }

    /** {@code --name=value} arguments. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }

    /** The machine's load average over 1, 5 and 15 minutes, as /proc/loadavg tells it. */
    static String loadAverage() {
        try {
            return String.join(
                    " ",
                    Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** The heap the JVM {@code pid} uses after a full GC: what it really holds on to. */
    static long usedHeapAfterGc(long pid) throws Exception {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    /** What {@code work} returned, and the live heap of the JVM it loaded before and at its peak. */
    record HeapSampled<T>(T result, long before, long peak) {}

    /** Runs {@code work} while the live heap of the JVM {@code pid} is sampled (after a full GC) every second. */
    static <T> HeapSampled<T> sampleHeap(long pid, Callable<T> work) throws Exception {
        long before = usedHeapAfterGc(pid);
        AtomicLong peak = new AtomicLong(before);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                try {
                    peak.accumulateAndGet(usedHeapAfterGc(pid), Math::max);
                    Thread.sleep(1000);
                } catch (Exception e) {
                    return;
                }
            }
        });
        try {
            return new HeapSampled<>(work.call(), before, peak.get());
        } finally {
            running.set(false);
            sampler.join();
        }
    }

    /** Committed native memory of the "Other" category, where the JVM counts NIO direct buffers (needs NMT on). */
    static long directMemory(long pid) throws Exception {
        Matcher other = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)")
                .matcher(jcmd(pid, "VM.native_memory summary"));
        return other.find() ? Long.parseLong(other.group(1)) * 1024 : 0;
    }

    static String jcmd(long pid, String command) throws Exception {
        String jcmd = ProcessHandle.current().info().command().orElseThrow().replaceAll("java$", "jcmd");
        Process process = new ProcessBuilder(jcmd, Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            String text = String.join("\n", out.lines().toList());
            process.waitFor(30, TimeUnit.SECONDS);
            return text;
        }
    }
}
