package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(new JobSettings(Duration.ofSeconds(10), Duration.ofSeconds(5),
            Duration.ofMinutes(10), 0.2, Duration.ofHours(48)));

    @RepeatedTest(20)
    void backoffDoublesWithinTheJitterAndStopsAtTheCap() {
        assertThat(policy.backoff(1)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        assertThat(policy.backoff(2)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
        assertThat(policy.backoff(4)).isBetween(Duration.ofSeconds(32), Duration.ofSeconds(48));
        assertThat(policy.backoff(40)).isBetween(Duration.ofMinutes(8), Duration.ofMinutes(12));
    }

    @Test
    void jitterSpreadsRetries() {
        assertThat(java.util.stream.IntStream.range(0, 50).mapToObj(i -> policy.backoff(3)).distinct().count())
                .isGreaterThan(10);
    }

    @Test
    void onlyRetryableErrorsWithAttemptsLeftAreRetried() {
        JobError transientError = new JobError("io_error", "x", true);
        JobError permanent = new JobError("invalid_input", "x", false);
        assertThat(policy.shouldRetry(transientError, 1, 3)).isTrue();
        assertThat(policy.shouldRetry(transientError, 3, 3)).isFalse();
        assertThat(policy.shouldRetry(permanent, 1, 3)).isFalse();
    }
}
