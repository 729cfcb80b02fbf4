package dev.kiln.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a bench run's CPU went, from a JFR recording: CPU-time samples ({@code jdk.CPUTimeSample}, JDK 25, native
 * frames included) when the recording has them, execution samples otherwise. Samples before the first one whose stack
 * holds {@code --from} (default {@code submitAll}: the bench's first submission) are start-up and are left out.
 *
 * <p>Prints: the top frames (the method on top of the stack); the same samples by who spent them — the first frame
 * from the top that is not the JDK's, by library (JDBC driver, Jackson, Spring, Micrometer, …) and by class for
 * Kiln's own code; and Kiln's classes inclusively (share of samples with the class anywhere on the stack).
 *
 * <p>{@code JfrProfile <file.jfr> [--top=15] [--from=submitAll]}
 */
public final class JfrProfile {

    private static final List<String[]> LIBRARIES = List.of(
            new String[] {"org.postgresql.", "PostgreSQL JDBC driver"},
            new String[] {"org.sqlite.", "SQLite JDBC (incl. native)"},
            new String[] {"com.zaxxer.hikari.", "HikariCP"},
            new String[] {"tools.jackson.", "Jackson"},
            new String[] {"com.fasterxml.jackson.", "Jackson"},
            new String[] {"org.springframework.jdbc.", "Spring JDBC"},
            new String[] {"org.springframework.transaction.", "Spring transactions"},
            new String[] {"org.springframework.", "Spring (other)"},
            new String[] {"io.micrometer.", "Micrometer"},
            new String[] {"ch.qos.logback.", "Logback"},
            new String[] {"org.slf4j.", "SLF4J"},
            new String[] {"org.apache.tomcat.", "Tomcat"},
            new String[] {"org.apache.catalina.", "Tomcat"},
            new String[] {"org.jobrunr.", "JobRunr"});

    public static void main(String[] args) throws Exception {
        Map<String, String> options =
                Bench.options(List.of(args).subList(1, args.length).toArray(String[]::new));
        Path file = Path.of(args[0]);
        int top = Integer.parseInt(options.getOrDefault("top", "15"));
        String from = options.getOrDefault("from", "submitAll");

        Map<String, List<RecordedEvent>> byType = new HashMap<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String name = event.getEventType().getName();
                if ((name.equals("jdk.CPUTimeSample") || name.equals("jdk.ExecutionSample"))
                        && event.getStackTrace() != null) {
                    byType.computeIfAbsent(name, n -> new ArrayList<>()).add(event);
                }
            }
        }
        String type = byType.containsKey("jdk.CPUTimeSample") ? "jdk.CPUTimeSample" : "jdk.ExecutionSample";
        List<RecordedEvent> samples = byType.getOrDefault(type, List.of()).stream()
                .sorted((a, b) -> a.getStartTime().compareTo(b.getStartTime()))
                .toList();
        Instant start = samples.stream()
                .filter(e -> holds(e, from))
                .map(RecordedEvent::getStartTime)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no sample holds " + from));
        samples =
                samples.stream().filter(e -> !e.getStartTime().isBefore(start)).toList();

        Map<String, Integer> topFrames = new HashMap<>();
        Map<String, Integer> spenders = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        for (RecordedEvent sample : samples) {
            List<RecordedFrame> frames = sample.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            topFrames.merge(method(frames.getFirst()), 1, Integer::sum);
            spenders.merge(spender(frames), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = className(frame).replaceFirst("\\$\\$Lambda.*", "");
                if (name.startsWith("dev.kiln.") && seen.add(name)) {
                    inclusive.merge(name, 1, Integer::sum);
                }
            }
        }
        int total = samples.size();
        System.out.printf(
                Locale.ROOT,
                "%s: %d %s samples from the first '%s' on (%.1f s of recording)%n",
                file,
                total,
                type,
                from,
                (samples.getLast().getStartTime().toEpochMilli() - start.toEpochMilli()) / 1000.0);
        print("Top frames (method on top of the stack)", topFrames, total, top);
        print(
                "By spender (first non-JDK frame from the top: library, or Kiln class; 'JDK only' = no other frame)",
                spenders,
                total,
                top + 5);
        print("Kiln classes, inclusive (share of samples with the class anywhere on the stack)", inclusive, total, top);
    }

    private static boolean holds(RecordedEvent sample, String method) {
        return sample.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getName().equals(method));
    }

    private static String spender(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String name = className(frame);
            if (name.startsWith("java.")
                    || name.startsWith("jdk.")
                    || name.startsWith("sun.")
                    || name.startsWith("javax.")) {
                continue;
            }
            if (name.startsWith("dev.kiln.")) {
                return name.replaceFirst("\\$.*", "");
            }
            for (String[] library : LIBRARIES) {
                if (name.startsWith(library[0])) {
                    return library[1];
                }
            }
            return name.replaceFirst("^((?:[^.]+\\.){2}[^.]+).*", "$1") + ".* (other)";
        }
        return "JDK only (" + topPackage(frames.getFirst()) + ")";
    }

    private static String topPackage(RecordedFrame frame) {
        String name = className(frame);
        return name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    }

    private static String className(RecordedFrame frame) {
        return frame.getMethod().getType().getName();
    }

    private static String method(RecordedFrame frame) {
        return className(frame) + "." + frame.getMethod().getName()
                + (frame.getType().equals("Native") ? " [native]" : "");
    }

    private static void print(String title, Map<String, Integer> counts, int total, int limit) {
        System.out.println();
        System.out.println(title + ":");
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .limit(limit)
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        sorted.forEach((name, count) ->
                System.out.printf(Locale.ROOT, "  %5.1f %%  %6d  %s%n", 100.0 * count / total, count, name));
    }
}
