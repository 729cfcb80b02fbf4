package dev.kiln.limits;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The refused-credentials limit ({@code kiln.limits.failed-credentials}), one budget per client
 * address whichever way it guesses: HTTP ({@link FailedCredentialsFilter}) or a WebSocket's ticket
 * or first message. Only refusals touch the shared buckets; an address is known to be out of
 * budget from the refusal that used it up, held in memory until its window ends, so checking a
 * credential costs no round trip to the database. Another node learns it on the first refusal it
 * sees from that address.
 */
@Component
public class CredentialFailures {

    /** Exhausted addresses are forgotten once their window ends; beyond this many, ended ones are swept out. */
    private static final int SWEEP_ABOVE = 10_000;

    private final RateLimiter limiter;
    private final RateLimit limit;
    private final Clock clock;
    /** Address → when it may present a credential again (epoch millis). */
    private final Map<String, Long> exhausted = new ConcurrentHashMap<>();

    CredentialFailures(RateLimiter limiter, LimitSettings settings, Clock clock) {
        this.limiter = limiter;
        this.limit = settings.failedCredentialLimit();
        this.clock = clock;
    }

    boolean off() {
        return limit.off();
    }

    /** Seconds until {@code address} (a {@link ClientAddress}) may present a credential again; 0 when it may now. */
    public long refusedFor(String address) {
        Long until = exhausted.get(address);
        if (until == null) {
            return 0;
        }
        long left = until - clock.millis();
        if (left <= 0) {
            exhausted.remove(address, until);
            return 0;
        }
        return (left + 999) / 1000;
    }

    /** The 429 for an address that has no refusals left. */
    RateDecision refusal(String address) {
        long wait = refusedFor(address);
        return wait == 0 ? null : new RateDecision(limit, false, 0, wait, wait);
    }

    /** Counts one refused credential from {@code address}; the one that uses up its budget closes it. */
    public void failed(String address) {
        if (limit.off()) {
            return;
        }
        RateDecision decision = limiter.take(limit, address);
        if (decision != null && (!decision.allowed() || decision.remaining() == 0)) {
            long wait = decision.allowed() ? decision.resetSeconds() : decision.retryAfter();
            if (exhausted.size() > SWEEP_ABOVE) {
                long now = clock.millis();
                exhausted.values().removeIf(until -> until <= now);
            }
            exhausted.put(address, clock.millis() + Math.max(1, wait) * 1000);
        }
    }
}
