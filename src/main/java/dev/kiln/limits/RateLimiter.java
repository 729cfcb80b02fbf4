package dev.kiln.limits;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Takes from rate limit buckets and says what that means for the client. When the buckets cannot
 * be reached (the database is away) requests go through unlimited: limits protect the service,
 * they must not take it down with them.
 */
@Component
class RateLimiter {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    static final String POLICY_HEADER = "RateLimit-Policy";
    static final String HEADER = "RateLimit";

    private final RateBuckets buckets;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    RateLimiter(RateBuckets buckets) {
        this.buckets = buckets;
    }

    /** Takes one from {@code subject}'s bucket of {@code limit}; null when the buckets cannot be reached. */
    RateDecision take(RateLimit limit, String subject) {
        try {
            return RateDecision.of(
                    limit, buckets.bucket(limit.key(subject), limit).tryConsumeAndReturnRemaining(1));
        } catch (RuntimeException e) {
            unreachable(e);
            return null;
        }
    }

    /** Gives back what {@link #take} took, for work that turned out not to count. */
    void giveBack(RateLimit limit, String subject) {
        try {
            buckets.bucket(limit.key(subject), limit).addTokens(1);
        } catch (RuntimeException e) {
            unreachable(e);
        }
    }

    /** The 429 for a refused decision, with its headers. */
    static ApiException exceeded(RateDecision decision) {
        RateLimit limit = decision.limit();
        return new ApiException(
                        ErrorCode.RATE_LIMITED,
                        "Too many " + limit.description() + ": at most " + limit.quota() + " per "
                                + limit.windowSeconds() + " s. Try again in " + decision.retryAfter() + " s.")
                .with("limit", limit.name())
                .with("quota", limit.quota())
                .with("window", limit.windowSeconds())
                .retryAfter(Duration.ofSeconds(decision.retryAfter()))
                .header(POLICY_HEADER, limit.policyHeader())
                .header(HEADER, decision.header());
    }

    private void unreachable(RuntimeException e) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            log.warn("Rate limits cannot be checked, letting requests through: {}", e.toString());
        }
    }
}
