package dev.kiln.limits;

import org.springframework.stereotype.Component;

/**
 * The refused-credentials limit ({@code kiln.limits.failed-credentials}) for credentials checked
 * outside HTTP's answers, where {@link FailedCredentialsFilter} cannot see them: a WebSocket's ticket
 * or its first message's token. Same buckets, so one budget per address whichever way it guesses.
 */
@Component
public class CredentialFailures {

    private final RateLimiter limiter;
    private final RateLimit limit;

    CredentialFailures(RateLimiter limiter, LimitSettings settings) {
        this.limiter = limiter;
        this.limit = settings.failedCredentialLimit();
    }

    /** Seconds until {@code address} (a {@link ClientAddress}) may present a credential again; 0 when it may now. */
    public long refusedFor(String address) {
        RateDecision decision = limit.off() ? null : limiter.peek(limit, address);
        return decision == null || decision.allowed() ? 0 : decision.retryAfter();
    }

    /** Counts one refused credential from {@code address}. */
    public void failed(String address) {
        if (!limit.off()) {
            limiter.take(limit, address);
        }
    }
}
