package dev.kiln.jobs;

import dev.kiln.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The one retry decision: what an attempt that ended without a result leads to — run again after
 * a backoff (exponential, with jitter), fail for good, or end cancelled because a cancel is
 * pending. Processor failures, timeouts, lease rescues and the cancel found when an attempt ends
 * all go through it.
 */
@Component
public class RetryPolicy {

    private final Backoff backoff;
    private final Clock clock;

    public RetryPolicy(JobSettings settings, Clock clock) {
        this.backoff = new Backoff(settings.retryInitialBackoff(), settings.retryMaxBackoff(), settings.retryJitter());
        this.clock = clock;
    }

    /** Attempt {@code attempt} of {@code maxAttempts} failed with {@code error}. */
    public JobQueue.Outcome after(JobError error, int attempt, int maxAttempts, boolean cancelRequested) {
        if (cancelRequested) {
            return new JobQueue.Cancelled(attempt);
        }
        if (error.retryable() && attempt < maxAttempts) {
            return new JobQueue.Failed(
                    error, attempt, JobState.RETRY_SCHEDULED, clock.instant().plus(backoff(attempt)));
        }
        return new JobQueue.Failed(error, attempt, JobState.FAILED, null);
    }

    /**
     * An attempt that ended without a result (to run again, or to fail) found a cancel pending when
     * its outcome was written: it ends cancelled, so an accepted cancel always wins. Null for a
     * result, which the attempt delivered before it could stop.
     */
    JobQueue.Cancelled insteadOfEndingWithoutResult(JobQueue.Outcome missed) {
        boolean withoutResult = missed instanceof JobQueue.Released || missed instanceof JobQueue.Failed;
        return withoutResult ? new JobQueue.Cancelled(missed.attempt()) : null;
    }

    /** Delay after failed attempt number {@code attempt} (1-based). */
    public Duration backoff(int attempt) {
        return backoff.delay(attempt);
    }
}
