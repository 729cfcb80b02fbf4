package dev.kiln.workers;

import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobSettings;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.support.Loop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps the queue moving: retries whose backoff has ended are queued again, and failures nobody
 * reported are repaired: jobs whose worker stopped renewing its lease
 * (crash, kill -9, lost network) are rescued — retried after a backoff, or failed when out of
 * attempts, or cancelled if a cancel was pending — and cancels a worker did not honour within the
 * bound are enforced. Every repair is conditional on the lease token it saw, so running this on
 * every node at once is safe, and a job that finished meanwhile is left alone.
 */
@Component
public class QueueMaintenance extends Loop {

    private static final Logger log = LoggerFactory.getLogger(QueueMaintenance.class);
    static final JobError LEASE_EXPIRED = JobError.of(
            JobErrorCode.LEASE_EXPIRED,
            "The worker running this job stopped responding (its node crashed or lost the database).");
    private static final int BATCH = 100;
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    private final JobQueue queue;
    private final JobStore store;
    private final JobSettings jobSettings;
    private final WorkerSettings settings;
    private final Clock clock;
    private final RetryPolicy retryPolicy;
    private Instant nextPrune = Instant.MIN;

    public QueueMaintenance(
            JobQueue queue,
            JobStore store,
            JobSettings jobSettings,
            WorkerSettings settings,
            Clock clock,
            RetryPolicy retryPolicy) {
        super("kiln-maintenance", settings.maintenanceInterval());
        this.queue = queue;
        this.store = store;
        this.jobSettings = jobSettings;
        this.settings = settings;
        this.clock = clock;
        this.retryPolicy = retryPolicy;
    }

    @Override
    protected boolean step() {
        return runOnce() == BATCH;
    }

    /** One pass; returns how many jobs it repaired (at most one batch of each kind). */
    public int runOnce() {
        Instant now = clock.instant();
        int promoted = promoteDueRetries(now);
        int rescued = rescueExpiredLeases(now);
        int cancelled = enforceOverdueCancels(now);
        if (rescued + cancelled > 0) {
            log.info(
                    "Queue maintenance: rescued {} job(s) with expired leases, ended {} overdue cancel(s)",
                    rescued,
                    cancelled);
        }
        if (!now.isBefore(nextPrune)) {
            int pruned = store.pruneIdempotencyKeys(now.minus(jobSettings.idempotencyRetention()));
            if (pruned > 0) {
                log.info("Forgot {} idempotency key(s) older than {}", pruned, jobSettings.idempotencyRetention());
            }
            nextPrune = now.plus(PRUNE_EVERY);
        }
        return Math.max(promoted, Math.max(rescued, cancelled));
    }

    int promoteDueRetries(Instant now) {
        return queue.promoteDueRetries(now, BATCH).size();
    }

    int rescueExpiredLeases(Instant now) {
        List<JobQueue.Stale> expired = queue.expiredLeases(now, BATCH);
        if (expired.isEmpty()) {
            return 0;
        }
        List<JobQueue.Finish> rescues = expired.stream()
                .map(s -> new JobQueue.Finish(
                        s.id(),
                        s.token(),
                        retryPolicy.after(LEASE_EXPIRED, s.attempt(), s.maxAttempts(), s.cancelRequested()),
                        now.toEpochMilli()))
                .toList();
        return count(queue.apply(rescues));
    }

    int enforceOverdueCancels(Instant now) {
        List<JobQueue.Stale> overdue = queue.overdueCancels(now.minus(jobSettings.cancelTimeout()), BATCH);
        if (overdue.isEmpty()) {
            return 0;
        }
        return count(queue.apply(overdue.stream()
                .map(s -> new JobQueue.Finish(s.id(), s.token(), new JobQueue.Cancelled(s.attempt())))
                .toList()));
    }

    private static int count(List<Boolean> accepted) {
        return (int) accepted.stream().filter(a -> a).count();
    }

    @Override
    public void start() {
        if (settings.enabled()) {
            super.start();
        }
    }
}
