package dev.kiln.jobs;

import dev.kiln.processors.ProcessorRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Kiln's job series: what happened to jobs on this node (submitted, started, ended, retried,
 * rescued), by {@code type}, and how long they waited and ran. Callers count only committed changes
 * ({@link dev.kiln.db.Database#afterCommit}). The queue's depth and age are {@link QueueGauges}.
 */
@Component
public class JobMetrics {

    /** Buckets that fit jobs of seconds to hours (Prometheus histograms, {@code le} in seconds). */
    static final Duration[] BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6)};
    /** The states an attempt ends in that the run-time histogram tells apart. */
    private static final List<JobState> RUN_OUTCOMES =
            List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.RETRY_SCHEDULED);

    /** The HELP line of each counter by type. */
    private static final Map<String, String> MEANING = Map.of(
            "kiln.jobs.submitted", "Jobs submitted",
            "kiln.jobs.started", "Attempts started: jobs claimed by a worker",
            "kiln.jobs.succeeded", "Jobs that succeeded",
            "kiln.jobs.failed", "Jobs that failed for good (a permanent error or out of attempts)",
            "kiln.jobs.cancelled", "Jobs cancelled, before or while running",
            "kiln.jobs.lease.rescues", "Attempts ended by maintenance because their worker's lease ran out");

    private final MeterRegistry registry;

    /** Every type this node runs is on the scrape from the start, at 0. */
    @Autowired
    public JobMetrics(MeterRegistry registry, ProcessorRegistry processors) {
        this(registry, processors.all().stream().map(ProcessorRegistry.Registered::name).toList());
    }

    public JobMetrics(MeterRegistry registry, List<String> types) {
        this.registry = registry;
        for (String type : types) {
            submitted(type, 0);
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

    void submitted(String type, int jobs) {
        counter("kiln.jobs.submitted", type).increment(jobs);
    }

    /** A worker claimed a job that had been claimable for {@code waited}. */
    void started(String type, Duration waited) {
        counter("kiln.jobs.started", type).increment();
        waitTimer(type).record(waited.isNegative() ? Duration.ZERO : waited);
    }

    /**
     * An attempt ended in {@code target} after running {@code ran} (null when unknown); a
     * {@code rescue} is maintenance ending it for a worker whose lease ran out.
     */
    void attemptEnded(String type, JobState target, Duration ran, boolean rescue) {
        switch (target) {
            case SUCCEEDED, FAILED, CANCELLED -> counter(endCounter(target), type).increment();
            case RETRY_SCHEDULED -> retried(type, "automatic").increment();
            default -> { } // released at shutdown: neither an end nor a retry
        }
        if (rescue) {
            counter("kiln.jobs.lease.rescues", type).increment();
        }
        if (ran != null && RUN_OUTCOMES.contains(target)) {
            runTimer(type, target).record(ran.isNegative() ? Duration.ZERO : ran);
        }
    }

    /** A job cancelled before it ever ran (queued or waiting to retry). */
    void cancelledWaiting(String type) {
        counter(endCounter(JobState.CANCELLED), type).increment();
    }

    /** A failed or cancelled job put back in the queue by hand. */
    void retriedByHand(String type) {
        retried(type, "manual").increment();
    }

    private static String endCounter(JobState end) {
        return "kiln.jobs." + end.wire();
    }

    private Counter retried(String type, String trigger) {
        return Counter.builder("kiln.jobs.retried").description("Jobs queued to run again: after a failed attempt "
                        + "(automatic, also lease rescues) or by hand (manual)")
                .tag("type", type).tag("trigger", trigger).register(registry);
    }

    private Counter counter(String name, String type) {
        return Counter.builder(name).description(MEANING.get(name)).tag("type", type).register(registry);
    }

    private Timer waitTimer(String type) {
        return Timer.builder("kiln.jobs.wait.time").description("How long a job was claimable before a worker took it")
                .tag("type", type).serviceLevelObjectives(BUCKETS).register(registry);
    }

    private Timer runTimer(String type, JobState outcome) {
        return Timer.builder("kiln.jobs.run.time").description("How long an attempt ran, by the state it ended in")
                .tag("type", type).tag("outcome", outcome.wire()).serviceLevelObjectives(BUCKETS).register(registry);
    }
}
