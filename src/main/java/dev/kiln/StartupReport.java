package dev.kiln;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline.TimelineEvent;
import org.springframework.core.metrics.StartupStep;

/**
 * Where start-up time goes, for {@code bench/cold-start.sh}: with {@code -Dkiln.startup-report=true}
 * Spring records its start-up steps, and once the node is ready the slowest are logged by their
 * own time (a bean's, without the beans it waited for), with the JVM's totals. Off by default:
 * recording costs a little memory and time.
 */
final class StartupReport {

    static final String PROPERTY = "kiln.startup-report";
    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);
    private static final int SHOWN = 20;

    private StartupReport() {}

    static void attachIfAsked(SpringApplication application) {
        if (!Boolean.getBoolean(PROPERTY)) {
            return;
        }
        BufferingApplicationStartup steps = new BufferingApplicationStartup(100_000);
        application.setApplicationStartup(steps);
        application.addListeners(event -> {
            if (event instanceof ApplicationReadyEvent) {
                report(steps.getBufferedTimeline().getEvents());
            }
        });
    }

    private static void report(List<TimelineEvent> events) {
        Map<Long, Duration> children = new HashMap<>();
        for (TimelineEvent event : events) {
            Long parent = event.getStartupStep().getParentId();
            if (parent != null) {
                children.merge(parent, event.getDuration(), Duration::plus);
            }
        }
        record Self(String name, Duration self) {}
        List<Self> selves = events.stream()
                .map(e -> new Self(
                        describe(e.getStartupStep()),
                        e.getDuration()
                                .minus(children.getOrDefault(e.getStartupStep().getId(), Duration.ZERO))))
                .toList();
        Instant first = events.isEmpty() ? Instant.now() : events.getFirst().getStartTime();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        log.info(
                "Startup report: ready {} ms after the JVM started, {} ms of CPU, {} classes loaded; "
                        + "first Spring step at {} ms; {} steps",
                System.currentTimeMillis() - jvmStart,
                os.getProcessCpuTime() / 1_000_000,
                ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount(),
                first.toEpochMilli() - jvmStart,
                events.size());
        Map<String, Duration> byKind = selves.stream()
                .collect(Collectors.groupingBy(
                        s -> s.name().split(" ")[0], Collectors.reducing(Duration.ZERO, Self::self, Duration::plus)));
        byKind.entrySet().stream()
                .sorted(Map.Entry.<String, Duration>comparingByValue().reversed())
                .limit(8)
                .forEach(e -> log.info(
                        "Startup report: {} ms in {} (all of them)",
                        e.getValue().toMillis(),
                        e.getKey()));
        selves.stream()
                .sorted(Comparator.comparing(Self::self).reversed())
                .limit(SHOWN)
                .forEach(s -> log.info("Startup report: {} ms in {}", s.self().toMillis(), s.name()));
    }

    private static String describe(StartupStep step) {
        StringBuilder name = new StringBuilder(step.getName());
        for (StartupStep.Tag tag : step.getTags()) {
            if (tag.getKey().equals("beanName")
                    || tag.getKey().equals("postProcessor")
                    || tag.getKey().equals("classCount")) {
                name.append(' ').append(tag.getKey()).append('=').append(tag.getValue());
            }
        }
        return name.toString();
    }
}
