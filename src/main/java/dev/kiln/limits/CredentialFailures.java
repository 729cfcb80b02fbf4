package dev.kiln.limits;

import dev.kiln.support.Digests;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The refused-credentials limit ({@code kiln.limits.failed-credentials}), one budget per client
 * address whichever way it guesses: HTTP ({@link FailedCredentialsFilter}) or a WebSocket's ticket
 * or first message. Only refusals touch the shared buckets; an address is known to be out of
 * budget from the refusal that used it up, held in memory until its window ends, so checking a
 * credential costs no round trip to the database. Another node learns it on the first refusal it
 * sees from that address.
 *
 * <p>Out of budget, an address may present no credential but one that already worked from it
 * while it was being refused: a script looping on a revoked token behind an office's one address
 * must not lock out the colleagues and workers whose tokens work, while a guesser still gets no
 * guess past the budget. Credentials are kept as fingerprints, only for addresses with refusals.
 */
@Component
public class CredentialFailures {

    /** Ended entries are swept out once there are more than this many. */
    private static final int SWEEP_ABOVE = 10_000;
    /** Credentials remembered as working per address; the rest wait out the window. */
    private static final int PROVEN_PER_ADDRESS = 1_000;

    private final RateLimiter limiter;
    private final RateLimit limit;
    private final Clock clock;
    /** Address → when it may present any credential again (epoch millis). */
    private final Map<String, Long> exhausted = new ConcurrentHashMap<>();
    /** Addresses refused within the window → the credentials that worked from them meanwhile. */
    private final Map<String, Proven> watched = new ConcurrentHashMap<>();

    private record Proven(long until, Set<String> fingerprints) {}

    CredentialFailures(RateLimiter limiter, LimitSettings settings, Clock clock) {
        this.limiter = limiter;
        this.limit = settings.failedCredentialLimit();
        this.clock = clock;
    }

    boolean off() {
        return limit.off();
    }

    /**
     * Seconds until {@code address} (a {@link ClientAddress}) may present {@code credential} (null:
     * any) again; 0 when it may now.
     */
    public long refusedFor(String address, String credential) {
        Long until = exhausted.get(address);
        if (until == null) {
            return 0;
        }
        long left = until - clock.millis();
        if (left <= 0) {
            exhausted.remove(address, until);
            return 0;
        }
        Proven proven = watched.get(address);
        if (credential != null && proven != null && proven.fingerprints().contains(fingerprint(credential))) {
            return 0;
        }
        return (left + 999) / 1000;
    }

    /** The 429 for an address that may not present {@code credential} now; null when it may. */
    RateDecision refusal(String address, String credential) {
        long wait = refusedFor(address, credential);
        return wait == 0 ? null : new RateDecision(limit, false, 0, wait, wait);
    }

    /** Counts one refused credential from {@code address}; the one that uses up its budget closes it. */
    public void failed(String address) {
        if (limit.off()) {
            return;
        }
        long now = clock.millis();
        sweep(now);
        long until = now + limit.windowSeconds() * 1000;
        watched.compute(
                address,
                (a, was) ->
                        new Proven(until, was != null ? was.fingerprints() : ConcurrentHashMap.<String>newKeySet()));
        RateDecision decision = limiter.take(limit, address);
        if (decision != null && (!decision.allowed() || decision.remaining() == 0)) {
            long wait = decision.allowed() ? decision.resetSeconds() : decision.retryAfter();
            exhausted.put(address, now + Math.max(1, wait) * 1000);
        }
    }

    /** {@code credential} worked from {@code address}: remembered while the address is being refused. */
    public void worked(String address, String credential) {
        Proven proven = watched.get(address);
        if (proven != null
                && proven.until() > clock.millis()
                && proven.fingerprints().size() < PROVEN_PER_ADDRESS) {
            proven.fingerprints().add(fingerprint(credential));
        }
    }

    private void sweep(long now) {
        if (exhausted.size() + watched.size() > SWEEP_ABOVE) {
            exhausted.values().removeIf(until -> until <= now);
            watched.entrySet().removeIf(e -> e.getValue().until() <= now && !exhausted.containsKey(e.getKey()));
        }
    }

    private static String fingerprint(String credential) {
        return Digests.sha256Hex(credential);
    }
}
