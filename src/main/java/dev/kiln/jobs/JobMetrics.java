package dev.kiln.jobs;

import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.ProcessorRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Kiln's job series: what happened to jobs on this node (submitted, started, ended, retried,
 * rescued), by {@code type}, and how long they waited and ran: it hears of every arrow the state
 * machine took once its transaction committed ({@link Moved.Committed}), so a rolled-back change
 * counts nothing. The queue's depth and age are {@link QueueGauges}.
 */
@Component
public class JobMetrics {

    /** Buckets that fit jobs of seconds to hours (Prometheus histograms, {@code le} in seconds). */
    static final Duration[] BUCKETS = {
        Duration.ofMillis(100),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(2),
        Duration.ofMinutes(5),
        Duration.ofMinutes(10),
        Duration.ofMinutes(30),
        Duration.ofHours(1),
        Duration.ofHours(2),
        Duration.ofHours(6)
    };
    /** The states an attempt ends in that the run-time histogram tells apart. */
    private static final List<JobState> RUN_OUTCOMES =
            List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.RETRY_SCHEDULED);

    /** The HELP line of each counter by type. */
    private static final Map<String, String> MEANING = Map.of(
            "kiln.jobs.submitted", "Jobs submitted",
            "kiln.jobs.reused", "Jobs that took an earlier job's result instead of running (also counted as submitted)",
            "kiln.jobs.started", "Attempts started: jobs claimed by a worker",
            "kiln.jobs.succeeded", "Jobs that succeeded",
            "kiln.jobs.failed", "Jobs that failed for good (a permanent error or out of attempts)",
            "kiln.jobs.cancelled", "Jobs cancelled, before or while running",
            "kiln.jobs.lease.rescues", "Attempts ended by maintenance because their worker's lease ran out");

    private static final Set<String> CATALOGUE =
            Arrays.stream(JobErrorCode.values()).map(JobErrorCode::code).collect(Collectors.toSet());

    private final MeterRegistry registry;

    /** Every type this node runs is on the scrape from the start, at 0. */
    @Autowired
    public JobMetrics(MeterRegistry registry, ProcessorRegistry processors) {
        this(
                registry,
                processors.all().stream()
                        .map(ProcessorRegistry.Registered::name)
                        .toList());
    }

    public JobMetrics(MeterRegistry registry, List<String> types) {
        this.registry = registry;
        for (String type : types) {
            counter("kiln.jobs.submitted", type);
            counter("kiln.jobs.reused", type);
            counter("kiln.jobs.started", type);
            for (JobState end : List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)) {
                counter(endCounter(end), type);
            }
            retried(type, "automatic");
            retried(type, "manual");
            counter("kiln.jobs.lease.rescues", type);
            waitTimer(type);
            RUN_OUTCOMES.forEach(outcome -> runTimer(type, outcome));
        }
    }

    /** Counts what the arrows did, once their transaction committed: by type, a batch at a time. */
    @EventListener
    public void on(Moved.Committed moved) {
        Map<String, List<Moved>> byType = moved.jobs().stream().collect(Collectors.groupingBy(Moved::type));
        byType.forEach((type, jobs) -> count(moved, type, jobs));
    }

    private void count(Moved.Committed moved, String type, List<Moved> jobs) {
        JobState to = moved.transition().to();
        switch (moved.transition()) {
            case SUBMIT -> counter("kiln.jobs.submitted", type).increment(jobs.size());
            case SUBMIT_REUSED -> {
                counter("kiln.jobs.submitted", type).increment(jobs.size());
                counter("kiln.jobs.reused", type).increment(jobs.size());
            }
            case CLAIM -> {
                counter("kiln.jobs.started", type).increment(jobs.size());
                Timer waited = waitTimer(type);
                jobs.forEach(job -> waited.record(since(job.runAfter(), moved.at())));
            }
            case SUCCEED, CANCEL_RUNNING, CANCEL_WAITING ->
                counter(endCounter(to), type).increment(jobs.size());
            case FAIL -> {
                counter(endCounter(to), type).increment(jobs.size());
                jobs.forEach(job -> errors(type, job.errorCode(), "failed").increment());
            }
            case RETRY -> {
                retried(type, "automatic").increment(jobs.size());
                jobs.forEach(job -> errors(type, job.errorCode(), "retried").increment());
            }
            case MANUAL_RETRY -> retried(type, "manual").increment(jobs.size());
            default -> {} // promoted, released at shutdown, renewed, reported: neither a start nor an end
        }
        if (moved.rescue()) {
            counter("kiln.jobs.lease.rescues", type).increment(jobs.size());
        }
        if (RUN_OUTCOMES.contains(to)
                && moved.transition() != Transition.CANCEL_WAITING
                && moved.transition() != Transition.SUBMIT_REUSED) {
            Timer ran = runTimer(type, to);
            jobs.stream()
                    .filter(job -> job.startedAt() != null)
                    .forEach(job -> ran.record(since(job.startedAt(), moved.at())));
        }
    }

    /** The mean run time of this node's attempts of {@code type} that succeeded; null before the first. */
    public Duration typicalRunTime(String type) {
        Timer ran = registry.find("kiln.jobs.run.time")
                .tags("type", type, "outcome", JobState.SUCCEEDED.wire())
                .timer();
        return ran == null || ran.count() == 0 ? null : Duration.ofNanos((long) ran.mean(TimeUnit.NANOSECONDS));
    }

    private static Duration since(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static String endCounter(JobState end) {
        return "kiln.jobs." + end.wire();
    }

    private Counter retried(String type, String trigger) {
        return Counter.builder("kiln.jobs.retried")
                .description("Jobs queued to run again: after a failed attempt "
                        + "(automatic, also lease rescues) or by hand (manual)")
                .tag("type", type)
                .tag("trigger", trigger)
                .register(registry);
    }

    /**
     * Failed attempts by error code: {@code outcome} failed (for good) or retried. A code outside
     * Kiln's catalogue (a worker's own) counts as {@code other}, so no processor can grow the series.
     */
    private Counter errors(String type, String code, String outcome) {
        return Counter.builder("kiln.jobs.errors")
                .description("Failed attempts by error code and what followed: failed for good, or retried")
                .tag("type", type)
                .tag("code", CATALOGUE.contains(code) ? code : "other")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter counter(String name, String type) {
        return Counter.builder(name)
                .description(MEANING.get(name))
                .tag("type", type)
                .register(registry);
    }

    private Timer waitTimer(String type) {
        return Timer.builder("kiln.jobs.wait.time")
                .description("How long a job was claimable before a worker took it")
                .tag("type", type)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    private Timer runTimer(String type, JobState outcome) {
        return Timer.builder("kiln.jobs.run.time")
                .description("How long an attempt ran, by the state it ended in")
                .tag("type", type)
                .tag("outcome", outcome.wire())
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
