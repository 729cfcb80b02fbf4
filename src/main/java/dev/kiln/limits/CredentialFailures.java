package dev.kiln.limits;

import dev.kiln.support.Digests;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 *
 * <p>The limit is against guessing, which takes many different credentials: a credential refused
 * from an address is counted once per window there, and presenting it again within the window (a
 * script looping on a revoked token, a browser's stale session cookie on every page load, a tab
 * whose request crossed a sign-in in another tab) takes nothing more, as it guesses nothing. A
 * refusal with nothing to tell repeats by (a sign-in, whose token is in its body) counts every time.
 *
 * <p>Out of budget, an address may present no credential but one that authenticated from it within
 * the last {@link #REMEMBERED}, so the colleagues and workers behind an office's one address whose
 * tokens work are not locked out by someone else's guesses, while a guesser gets no guess past the
 * budget (only a credential that authenticated is remembered, and a refused one is forgotten).
 * Credentials are kept as SHA-256 fingerprints, on this node only (so each node counts a repeated
 * one once per window).
 */
@Component
public class CredentialFailures {

    /** How long a credential that authenticated from an address goes on passing its lockouts. */
    static final Duration REMEMBERED = Duration.ofHours(1);
    /** Addresses (exhausted, or with credentials remembered, worked or refused) above which ended entries are swept out. */
    private static final int SWEEP_ABOVE = 10_000;
    /**
     * Credentials remembered per address, of each kind; past it, one that worked not remembered yet
     * waits out a lockout, and a refused one not remembered yet is counted every time.
     */
    private static final int PER_ADDRESS = 1_000;
    /** A sweep walks every address: not more often than this. */
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final RateLimiter limiter;
    private final RateLimit limit;
    private final Clock clock;
    /** Address → when it may present any credential again (epoch millis). */
    private final Map<String, Long> exhausted = new ConcurrentHashMap<>();
    /** Address → fingerprints of the credentials that authenticated from it → until when they pass its lockouts. */
    private final Map<String, Map<String, Long>> worked = new ConcurrentHashMap<>();
    /** Address → fingerprints of the credentials refused from it and counted → until when a repeat is not counted. */
    private final Map<String, Map<String, Long>> refused = new ConcurrentHashMap<>();

    private volatile long lastSweep;

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
     * one that cannot be remembered, a sign-in's) again; 0 when it may now.
     */
    public long refusedFor(String address, String credential) {
        Long until = exhausted.get(address);
        if (until == null) {
            return 0;
        }
        long now = clock.millis();
        if (until <= now) {
            exhausted.remove(address, until);
            return 0;
        }
        Map<String, Long> known = worked.get(address);
        Long passes = credential == null || known == null ? null : known.get(fingerprint(credential));
        if (passes != null && passes >= now) {
            return 0;
        }
        return (until - now + 999) / 1000;
    }

    /** The 429 for an address that may not present {@code credential} now; null when it may. */
    RateDecision refusal(String address, String credential) {
        long wait = refusedFor(address, credential);
        return wait == 0 ? null : new RateDecision(limit, false, 0, wait, wait);
    }

    /**
     * Counts one refused credential from {@code address} (null when there is none to tell repeats by,
     * a sign-in's), which is forgotten if it had worked; one already counted from there within the
     * window is not counted again. The refusal that uses up the budget closes the address.
     */
    public void failed(String address, String credential) {
        if (limit.off()) {
            return;
        }
        String fingerprint = credential == null ? null : fingerprint(credential);
        Map<String, Long> known = worked.get(address);
        if (known != null && fingerprint != null) {
            known.remove(fingerprint); // revoked or expired since: it passes no lockout
        }
        if (fingerprint != null && !firstRefusal(address, fingerprint, clock.millis())) {
            return; // presented again: it guesses nothing
        }
        RateDecision decision = limiter.take(limit, address);
        if (decision != null && (!decision.allowed() || decision.remaining() == 0)) {
            long wait = decision.allowed() ? decision.resetSeconds() : decision.retryAfter();
            sweep(clock.millis());
            exhausted.put(address, clock.millis() + Math.max(1, wait) * 1000);
        }
    }

    /**
     * Whether {@code fingerprint}, refused from {@code address}, is to be counted: not when it was
     * counted there less than a window ago (so a repeat counts at most once in any of the bucket's
     * windows). Remembered from now on for a window; past {@link #PER_ADDRESS}, counted every time.
     */
    private boolean firstRefusal(String address, String fingerprint, long now) {
        Map<String, Long> seen = of(refused, address, now);
        if (!room(seen, fingerprint, now)) {
            return true;
        }
        boolean[] first = {false};
        seen.compute(fingerprint, (f, until) -> {
            if (until != null && until > now) {
                return until;
            }
            first[0] = true;
            return now + limit.window().toMillis();
        });
        return first[0];
    }

    /** {@code credential} authenticated from {@code address}: it passes the address's lockouts for a while. */
    public void worked(String address, String credential) {
        if (limit.off() || credential == null) {
            return;
        }
        long now = clock.millis();
        String fingerprint = fingerprint(credential);
        Map<String, Long> seen = refused.get(address);
        if (seen != null) {
            seen.remove(fingerprint); // refused once, working now: a refusal counts again
        }
        Map<String, Long> known = of(worked, address, now);
        if (room(known, fingerprint, now)) {
            known.put(fingerprint, now + REMEMBERED.toMillis());
        }
    }

    /** The address's entries in {@code byAddress} (fingerprint → until when), made if it has none. */
    private Map<String, Long> of(Map<String, Map<String, Long>> byAddress, String address, long now) {
        Map<String, Long> entries = byAddress.get(address);
        if (entries == null) {
            sweep(now);
            entries = byAddress.computeIfAbsent(address, a -> new ConcurrentHashMap<>());
        }
        return entries;
    }

    /** Whether {@code fingerprint} is in {@code entries} or fits, once those that ended are dropped. */
    private static boolean room(Map<String, Long> entries, String fingerprint, long now) {
        if (entries.size() < PER_ADDRESS || entries.containsKey(fingerprint)) {
            return true;
        }
        entries.values().removeIf(until -> until < now);
        return entries.size() < PER_ADDRESS;
    }

    private void sweep(long now) {
        if (exhausted.size() + worked.size() + refused.size() > SWEEP_ABOVE
                && now - lastSweep > SWEEP_EVERY.toMillis()) {
            lastSweep = now;
            exhausted.values().removeIf(until -> until <= now);
            for (Map<String, Map<String, Long>> byAddress : List.of(worked, refused)) {
                byAddress.values().forEach(entries -> entries.values().removeIf(until -> until < now));
                byAddress.values().removeIf(Map::isEmpty);
            }
        }
    }

    private static String fingerprint(String credential) {
        return Digests.sha256Hex(credential);
    }
}
