package dev.kiln.jobs;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;

/** Decides what a failed attempt leads to, and how long to wait: exponential backoff with jitter. */
@Component
public class RetryPolicy {

    private final JobSettings settings;

    public RetryPolicy(JobSettings settings) {
        this.settings = settings;
    }

    public boolean shouldRetry(JobError error, int attempt, int maxAttempts) {
        return error.retryable() && attempt < maxAttempts;
    }

    /** Delay after failed attempt number {@code attempt} (1-based). */
    public Duration backoff(int attempt) {
        double base = settings.retryInitialBackoff().toMillis() * Math.pow(2, Math.min(attempt - 1, 30));
        double capped = Math.min(base, settings.retryMaxBackoff().toMillis());
        double spread = 1 + settings.retryJitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.round(capped * spread));
    }
}
