package dev.kiln.external;

import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.processors.DeclaredProcessor;
import dev.kiln.processors.DeclaredProcessors;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.support.Loop;
import dev.kiln.workers.WorkerSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Upkeep for external workers: their presence rows are forgotten a day after an instance was
 * last seen; and the time limit of attempts on external workers, which no watchdog in Kiln's JVM watches: an
 * attempt still running past its processor's {@code timeoutSeconds} fails as {@code timeout},
 * through the one retry decision, conditional on the lease token seen (so every node may run this,
 * and an attempt that ended meanwhile is left alone). Its worker's next call answers
 * {@code lease_lost}.
 */
@Component
class WorkerMaintenance extends Loop {

    private static final int BATCH = 100;
    private static final Duration FORGET_AFTER = Duration.ofDays(1);

    private final JobQueue queue;
    private final DeclaredProcessors declared;
    private final RetryPolicy retryPolicy;
    private final Clock clock;

    WorkerMaintenance(
            JobQueue queue,
            DeclaredProcessors declared,
            RetryPolicy retryPolicy,
            WorkerSettings settings,
            Clock clock) {
        super("kiln-worker-timeouts", settings.maintenanceInterval());
        this.queue = queue;
        this.declared = declared;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
    }

    @Override
    protected boolean step() {
        return runOnce() >= BATCH;
    }

    int runOnce() {
        Instant now = clock.instant();
        declared.forgetUnseen(now.minus(FORGET_AFTER));
        List<JobQueue.Finish> ends = new ArrayList<>();
        for (DeclaredProcessor processor : declared.all()) {
            JobError timeout = JobError.of(
                    JobErrorCode.TIMEOUT,
                    "The job ran longer than its limit of " + processor.limits().timeout() + ".");
            for (JobQueue.Stale s : queue.overrunning(
                    processor.name(), now.minus(processor.limits().timeout()), BATCH)) {
                ends.add(new JobQueue.Finish(
                        s.id(),
                        s.token(),
                        retryPolicy.after(timeout, s.attempt(), s.maxAttempts(), s.cancelRequested())));
            }
        }
        return ends.isEmpty() ? 0 : queue.apply(ends).size();
    }
}
