package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final JobSettings SETTINGS = new JobSettings(
            Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(10), 0.2, Duration.ofHours(48));
    private final RetryPolicy policy = new RetryPolicy(SETTINGS, Clock.systemUTC());

    @RepeatedTest(20)
    void backoffDoublesWithinTheJitterAndStopsAtTheCap() {
        assertThat(policy.backoff(1)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        assertThat(policy.backoff(2)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
        assertThat(policy.backoff(4)).isBetween(Duration.ofSeconds(32), Duration.ofSeconds(48));
        assertThat(policy.backoff(40)).isBetween(Duration.ofMinutes(8), Duration.ofMinutes(12));
    }

    @Test
    void jitterSpreadsRetries() {
        assertThat(java.util.stream.IntStream.range(0, 50)
                        .mapToObj(i -> policy.backoff(3))
                        .distinct()
                        .count())
                .isGreaterThan(10);
    }

    @Test
    void onlyRetryableErrorsWithAttemptsLeftAreRetriedAfterTheirBackoff() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        RetryPolicy decide = new RetryPolicy(SETTINGS, clock);
        JobError transientError = new JobError("io_error", "x", true);
        JobError permanent = new JobError("invalid_input", "x", false);

        assertThat(decide.after(transientError, 1, 3, false)).isInstanceOfSatisfying(JobQueue.Failed.class, f -> {
            assertThat(f.target()).isEqualTo(JobState.RETRY_SCHEDULED);
            assertThat(Duration.between(clock.instant(), f.runAfter()))
                    .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        });
        assertThat(decide.after(transientError, 3, 3, false))
                .isEqualTo(new JobQueue.Failed(transientError, 3, JobState.FAILED, null));
        assertThat(decide.after(permanent, 1, 3, false))
                .isEqualTo(new JobQueue.Failed(permanent, 1, JobState.FAILED, null));
    }

    @Test
    void aPendingCancelEndsTheAttemptCancelledWhateverTheError() {
        RetryPolicy decide = new RetryPolicy(SETTINGS, Clock.systemUTC());
        assertThat(decide.after(new JobError("io_error", "x", true), 1, 3, true))
                .isEqualTo(new JobQueue.Cancelled(1));
        assertThat(decide.after(new JobError("invalid_input", "x", false), 3, 3, true))
                .isEqualTo(new JobQueue.Cancelled(3));
        // An attempt that ended without a result but met a pending cancel as its outcome was written:
        assertThat(decide.insteadOfEndingWithoutResult(new JobQueue.Released(2)))
                .isEqualTo(new JobQueue.Cancelled(2));
        assertThat(decide.insteadOfEndingWithoutResult(decide.after(new JobError("io_error", "x", true), 1, 3, false)))
                .isEqualTo(new JobQueue.Cancelled(1));
        assertThat(decide.insteadOfEndingWithoutResult(
                        new JobQueue.Failed(new JobError("x", "x", false), 1, JobState.FAILED, null)))
                .isEqualTo(new JobQueue.Cancelled(1));
        // A result delivered before the attempt could stop is kept.
        assertThat(decide.insteadOfEndingWithoutResult(new JobQueue.Succeeded(1, null)))
                .isNull();
    }
}
