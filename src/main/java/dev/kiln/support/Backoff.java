package dev.kiln.support;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Waits that double from {@code initial} up to {@code max}, optionally spread by ±{@code jitter}
 * (a fraction of the wait) so that many waiters do not all come back at the same moment. The one
 * backoff of the project: job retries, reconnects, retried writes.
 *
 * @param jitter from 0 (none) up to, not including, 1; applied after the cap, so a wait may go as
 *               far as {@code max × (1 + jitter)}
 */
public record Backoff(Duration initial, Duration max, double jitter) {

    /** Past this many doublings every wait is capped anyway (and 2^n would overflow). */
    private static final int MAX_DOUBLINGS = 30;

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < initial <= max, not " + initial + " and " + max);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), not " + jitter);
        }
    }

    /** Capped doubling without jitter. */
    public static Backoff doubling(Duration initial, Duration max) {
        return new Backoff(initial, max, 0);
    }

    /** The wait after failed attempt {@code attempt} (1-based): initial, 2 × initial, 4 × initial… up to max, then jittered. */
    public Duration delay(int attempt) {
        return delay(attempt, ThreadLocalRandom.current());
    }

    /** As {@link #delay(int)}, drawing the jitter from {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1, not " + attempt);
        }
        double base = initial.toMillis() * Math.pow(2, Math.min(attempt - 1, MAX_DOUBLINGS));
        double capped = Math.min(base, max.toMillis());
        if (jitter == 0) {
            return Duration.ofMillis(Math.round(capped));
        }
        double spread = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofMillis(Math.round(capped * spread));
    }

    /**
     * The wait after {@code previous} for a loop that keeps its last wait (and starts again from
     * {@link #initial()} once it succeeds): twice as long, at most {@link #max()}. No jitter.
     */
    public Duration after(Duration previous) {
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }
}
