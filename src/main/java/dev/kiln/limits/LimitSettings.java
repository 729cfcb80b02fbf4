package dev.kiln.limits;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-user limits. A figure of 0 or less turns that limit off.
 *
 * @param window            the window request and submission rates are counted over; default 1m
 * @param requests          API requests one user may make per window; default 600
 * @param anonymousRequests API requests without a token one client address may make per window; default 120
 * @param failedCredentials refused credentials (a bad, revoked or expired token; a stale session cookie; a
 *                          failed sign-in; a WebSocket's bad ticket) one client address may present per window,
 *                          each different one counted once (the same one again counts no more, but for a sign-in);
 *                          past it, every request from there that presents a credential is refused until the
 *                          window ends; default 20
 * @param submissions       jobs one user may submit per window; default 60
 * @param maxQueuedJobs     jobs one user may have waiting (queued or waiting to retry); default 1000
 * @param maxRunningJobs    jobs of one user running at once, on all nodes together; more stay queued; default 8
 */
@ConfigurationProperties("kiln.limits")
public record LimitSettings(
        @DefaultValue("1m") Duration window,
        @DefaultValue("600") int requests,
        @DefaultValue("120") int anonymousRequests,
        @DefaultValue("20") int failedCredentials,
        @DefaultValue("60") int submissions,
        @DefaultValue("1000") int maxQueuedJobs,
        @DefaultValue("8") int maxRunningJobs) {

    public LimitSettings {
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException(
                    "kiln.limits.window must be at least 1s (rate limit headers count whole seconds)");
        }
    }

    /** Every limit off: for code that runs the queue without Kiln's settings (tools, tests). */
    public static LimitSettings unlimited() {
        return new LimitSettings(Duration.ofMinutes(1), 0, 0, 0, 0, 0, 0);
    }

    RateLimit requestLimit() {
        return new RateLimit("requests", "API requests", requests, window);
    }

    RateLimit anonymousRequestLimit() {
        return new RateLimit(
                "anonymous-requests", "API requests without a token from one address", anonymousRequests, window);
    }

    RateLimit failedCredentialLimit() {
        return new RateLimit("failed-credentials", "refused credentials from one address", failedCredentials, window);
    }

    RateLimit submissionLimit() {
        return new RateLimit("submissions", "job submissions", submissions, window);
    }
}
