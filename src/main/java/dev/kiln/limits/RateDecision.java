package dev.kiln.limits;

import io.github.bucket4j.ConsumptionProbe;

/**
 * The answer of one rate limit to one request.
 *
 * @param remaining    what is left of the quota in this window
 * @param resetSeconds when the quota comes back whole
 * @param retryAfter   when a refused request may be tried again (0 when allowed)
 */
record RateDecision(RateLimit limit, boolean allowed, long remaining, long resetSeconds, long retryAfter) {

    static RateDecision of(RateLimit limit, ConsumptionProbe probe) {
        return new RateDecision(
                limit,
                probe.isConsumed(),
                probe.getRemainingTokens(),
                seconds(probe.getNanosToWaitForReset()),
                probe.isConsumed() ? 0 : Math.max(1, seconds(probe.getNanosToWaitForRefill())));
    }

    /** The IETF draft's {@code RateLimit} item: {@code "requests";r=42;t=17}. */
    String header() {
        return "\"" + limit.name() + "\";r=" + remaining + ";t=" + resetSeconds;
    }

    private static long seconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
