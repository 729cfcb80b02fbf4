package dev.kiln.testing;

import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobFailure;
import dev.kiln.processors.Param;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.ProcessorLimits;
import dev.kiln.processors.ResultShape;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

/**
 * Processors that exist only in tests, registered in every test context (and in Kiln processes
 * a test starts from the test classpath). They exercise the engine, not any ML.
 */
@Configuration(proxyBeanMethods = false)
public class TestProcessors {

    @Bean
    TestProcessor noop() {
        return new TestProcessor(
                "test-noop",
                List.of("*/*"),
                ParamsSchema.of(),
                new ProcessorLimits(3, Duration.ofHours(1), 32),
                context -> null);
    }

    /** Reads its input, streams partial results, returns what it saw. */
    @Bean
    TestProcessor echo() {
        return new TestProcessor(
                "test-echo",
                ParamsSchema.of(
                        Param.integer("partials", "partial results to emit")
                                .withRange(0, 1000)
                                .withDefault(3),
                        Param.string("text", "text to echo").withRange(1, 100).withDefault("hi")),
                context -> {
                    int partials = context.params().get("partials").asInt();
                    for (int i = 1; i <= partials; i++) {
                        context.emit(Map.of(
                                "index", i, "text", context.params().get("text").asString()));
                        context.progress((double) i / partials, "echoing");
                    }
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("text", context.params().get("text").asString());
                    result.put("mediaType", context.input().mediaType());
                    result.put("size", context.input().size());
                    result.put("sha256", sha256(context.input().open()));
                    return result;
                });
    }

    /**
     * Declares its results reusable; each result says how many times it has run in this process, so a
     * job that ran again is told from one that reused a result.
     */
    @Bean
    TestProcessor reusable() {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        return new TestProcessor(
                        "test-reusable",
                        ParamsSchema.of(Param.string("text", "text to echo")
                                .withRange(1, 100)
                                .withDefault("hi")),
                        context -> {
                            Map<String, Object> result = new LinkedHashMap<>();
                            result.put("text", context.params().get("text").asString());
                            result.put("sha256", sha256(context.input().open()));
                            result.put("run", runs.incrementAndGet());
                            return result;
                        })
                .reusable(true);
    }

    /** Reports what it "measured" of its input (a length in ms, pages), as transcribe and extract do. */
    @Bean
    TestProcessor measure() {
        return new TestProcessor(
                "test-measure",
                ParamsSchema.of(
                        Param.integer("durationMs", "the length to report").withRange(0, 100_000_000),
                        Param.integer("pages", "the pages to report").withRange(0, 100_000)),
                context -> {
                    JsonNode params = context.params();
                    context.inputMeasured(
                            params.hasNonNull("durationMs")
                                    ? Duration.ofMillis(params.get("durationMs").asLong())
                                    : null,
                            params.hasNonNull("pages") ? params.get("pages").asInt() : null);
                    return null;
                });
    }

    /** Sleeps cooperatively in steps, reporting progress. */
    @Bean
    TestProcessor sleep() {
        return new TestProcessor(
                "test-sleep",
                ParamsSchema.of(
                        Param.integer("ms", "how long to sleep")
                                .withRange(0, 600_000)
                                .withDefault(1000),
                        Param.integer("steps", "progress steps")
                                .withRange(1, 1000)
                                .withDefault(10)),
                context -> {
                    int ms = context.params().get("ms").asInt();
                    int steps = context.params().get("steps").asInt();
                    for (int i = 0; i < steps; i++) {
                        context.checkCancelled();
                        context.progress((double) i / steps, "sleeping");
                        Thread.sleep(ms / steps);
                    }
                    return Map.of("slept", ms);
                });
    }

    /**
     * Emits {@code count} partial results, one every {@code intervalMs} (a fixed rate, not a pause
     * after each), with progress, each padded to {@code size} characters and stamped with the time
     * of its emit call ({@code at}, µs since the epoch) for latency benches.
     */
    @Bean
    TestProcessor ticker() {
        return new TestProcessor(
                "test-ticker",
                ParamsSchema.of(
                        Param.integer("count", "partials to emit")
                                .withRange(0, 100_000)
                                .withDefault(20),
                        Param.integer("intervalMs", "time from one to the next")
                                .withRange(0, 60_000)
                                .withDefault(50),
                        Param.integer("size", "padding of each partial")
                                .withRange(0, 1_000_000)
                                .withDefault(0)),
                context -> {
                    int count = context.params().get("count").asInt();
                    long interval = context.params().get("intervalMs").asLong() * 1_000_000;
                    String padding = "x".repeat(context.params().get("size").asInt());
                    long start = System.nanoTime();
                    for (int i = 1; i <= count; i++) {
                        context.checkCancelled();
                        Instant now = Instant.now();
                        context.emit(Map.of(
                                "index",
                                i,
                                "padding",
                                padding,
                                "at",
                                now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
                        context.progress((double) i / count, "ticking");
                        long wait = start + i * interval - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(Duration.ofNanos(wait));
                        }
                    }
                    return Map.of("ticks", count);
                });
    }

    /** Reports progress {@code count} times every {@code intervalMs}; the stage carries the call's time (µs). */
    @Bean
    TestProcessor pulse() {
        return new TestProcessor(
                "test-pulse",
                List.of("*/*"),
                ParamsSchema.of(
                        Param.integer("count", "progress reports")
                                .withRange(1, 1_000_000)
                                .withDefault(100),
                        Param.integer("intervalMs", "pause between them")
                                .withRange(0, 60_000)
                                .withDefault(500)),
                new ProcessorLimits(1, Duration.ofHours(1), 200),
                context -> {
                    int count = context.params().get("count").asInt();
                    for (int i = 1; i <= count; i++) {
                        context.checkCancelled();
                        Instant now = Instant.now();
                        context.progress(
                                (double) i / count, "t=" + (now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000));
                        Thread.sleep(context.params().get("intervalMs").asInt());
                    }
                    return null;
                });
    }

    /** Sleeps long on its first attempt only: a node dies under it, the next attempt is quick. */
    @Bean
    TestProcessor slowFirst() {
        return new TestProcessor(
                "test-slow-first",
                ParamsSchema.of(Param.integer("ms", "first attempt's sleep")
                        .withRange(0, 600_000)
                        .withDefault(60_000)),
                context -> {
                    context.progress(0.1, context.attempt() == 1 ? "slow first attempt" : "quick retry");
                    if (context.attempt() == 1) {
                        Thread.sleep(context.params().get("ms").asInt());
                    }
                    return Map.of("attempt", context.attempt());
                });
    }

    /** Waits for a gate the test opens; when stopped instead, publishes one last partial on its way out. */
    @Bean
    TestProcessor gate() {
        return new TestProcessor(
                "test-gate", ParamsSchema.of(Param.string("gate", "gate name").asRequired()), context -> {
                    context.progress(0.5, "waiting at gate");
                    try {
                        Gates.await(context.params().get("gate").asString(), context);
                    } catch (JobCancelledException | InterruptedException stopped) {
                        context.emit(Map.of("last", "words"));
                        throw stopped;
                    }
                    return Map.of("gate", context.params().get("gate").asString());
                });
    }

    /**
     * A transcript of {@code segments} numbered lines, two speakers taking turns, with word timings:
     * what the transcript features (downloads, edits, the web app's view) work on, without ML.
     */
    @Bean
    TestProcessor transcript() {
        return new TestProcessor(
                "test-transcript",
                ParamsSchema.of(Param.integer("segments", "lines to make")
                        .withRange(1, 20_000)
                        .withDefault(3)),
                context -> {
                    int count = context.params().get("segments").asInt();
                    List<Map<String, Object>> segments = new java.util.ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        String text = "Line " + i + " of the transcript.";
                        List<Map<String, Object>> words = new java.util.ArrayList<>();
                        String[] parts = text.split(" ");
                        for (int w = 0; w < parts.length; w++) {
                            words.add(Map.of(
                                    "word", parts[w], "start", i * 2.0 + w * 0.3, "end", i * 2.0 + w * 0.3 + 0.25));
                        }
                        segments.add(Map.of(
                                "start",
                                i * 2.0,
                                "end",
                                i * 2.0 + 1.5,
                                "text",
                                text,
                                "speaker",
                                "SPEAKER_0" + i % 2,
                                "words",
                                words));
                    }
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("language", "en");
                    result.put(
                            "text",
                            String.join(
                                    " ",
                                    segments.stream()
                                            .map(s -> (String) s.get("text"))
                                            .toList()));
                    result.put("segments", segments);
                    return result;
                }) {
            @Override
            public ResultShape shape() {
                return ResultShape.TRANSCRIPT;
            }
        };
    }

    /** Keeps a CPU busy for {@code ms}, after telling the test it has started; declares itself CPU-bound. */
    @Bean
    TestProcessor spin() {
        return new TestProcessor(
                "test-spin",
                List.of("*/*"),
                ParamsSchema.of(
                        Param.integer("ms", "how long to spin")
                                .withRange(0, 60_000)
                                .withDefault(1000),
                        Param.string("signal", "arrival to signal when spinning starts")
                                .asRequired()),
                new ProcessorLimits(
                        1, Duration.ofMinutes(1), Runtime.getRuntime().availableProcessors()),
                context -> {
                    Gates.arrive(context.params().get("signal").asString());
                    long end = System.nanoTime()
                            + Duration.ofMillis(context.params().get("ms").asInt())
                                    .toNanos();
                    long x = 0;
                    while (System.nanoTime() < end) {
                        x += System.nanoTime() % 7; // no blocking, no yielding: pure CPU
                    }
                    return Map.of("spun", x > 0);
                }) {
            @Override
            public boolean cpuBound() {
                return true;
            }
        };
    }

    /** Like test-gate, but its processor limit is one second. */
    @Bean
    TestProcessor timeout() {
        return new TestProcessor(
                "test-timeout",
                List.of("*/*"),
                ParamsSchema.of(Param.string("gate", "gate name").asRequired()),
                new ProcessorLimits(3, Duration.ofSeconds(1), 4),
                context -> {
                    Gates.await(context.params().get("gate").asString(), context);
                    return null;
                });
    }

    /** Ignores cancellation and interrupts for {@code ms}. */
    @Bean
    TestProcessor stubborn() {
        return new TestProcessor(
                "test-stubborn",
                ParamsSchema.of(Param.integer("ms", "how long to ignore everyone")
                        .withRange(0, 600_000)
                        .withDefault(5000)),
                context -> {
                    long end = System.nanoTime()
                            + Duration.ofMillis(context.params().get("ms").asInt())
                                    .toNanos();
                    while (System.nanoTime() < end) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException ignored) {
                            // stubborn on purpose
                        }
                    }
                    return Map.of("stubborn", true);
                });
    }

    /** Fails its first {@code failures} attempts in the way asked, then succeeds. */
    @Bean
    TestProcessor fail() {
        return new TestProcessor(
                "test-fail",
                ParamsSchema.of(
                        Param.string("kind", "failure | io | bug | bad-input | leak | leak-nested")
                                .withDefault("failure")
                                .withAllowed(() -> List.of("failure", "io", "bug", "bad-input", "leak", "leak-nested")),
                        Param.string("code", "code of a 'failure'").withDefault("planned"),
                        Param.bool("retryable", "whether a 'failure' is retryable")
                                .withDefault(true),
                        Param.integer("failures", "attempts that fail")
                                .withRange(0, 100)
                                .withDefault(100)),
                context -> {
                    if (context.attempt() > context.params().get("failures").asInt()) {
                        return Map.of("attempt", context.attempt());
                    }
                    switch (context.params().get("kind").asString()) {
                        case "io" -> throw new IOException("disk hiccup");
                        case "bug" -> throw new IllegalStateException("kaboom");
                        case "bad-input" -> throw new IllegalArgumentException("that is not a recording");
                        // Exception text that must never reach the job's owner.
                        case "leak" -> throw new IOException("/var/secret/path token=abc123");
                        case "leak-nested" ->
                            throw new RuntimeException(
                                    "wrapped at /srv/kiln/private/x.bin",
                                    new IllegalStateException("password=hunter2 in /etc/kiln/secret.conf"));
                        default ->
                            throw new JobFailure(
                                    context.params().get("code").asString(),
                                    "planned failure",
                                    context.params().get("retryable").asBoolean(),
                                    null);
                    }
                });
    }

    /** Accepts only WAV audio. */
    @Bean
    TestProcessor wavOnly() {
        return new TestProcessor(
                "test-wav",
                List.of("audio/vnd.wave", "audio/wav", "audio/x-wav"),
                ParamsSchema.of(),
                new ProcessorLimits(1, Duration.ofMinutes(1), 1),
                context -> null);
    }

    private static String sha256(InputStream in) throws Exception {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
