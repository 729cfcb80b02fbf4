package dev.kiln.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;

/**
 * One rate limit: at most {@code quota} per {@code window}, the whole quota coming back when the
 * window ends (a fixed window per bucket, so "remaining" and "resets in" mean what they say).
 *
 * @param name        how headers and problems name it ({@code requests}, {@code submissions})
 * @param description what is counted, for people
 */
record RateLimit(String name, String description, long quota, Duration window) {

    boolean off() {
        return quota <= 0;
    }

    Bandwidth bandwidth() {
        return Bandwidth.builder()
                .capacity(quota)
                .refillIntervally(quota, window)
                .build();
    }

    BucketConfiguration configuration() {
        return BucketConfiguration.builder().addLimit(bandwidth()).build();
    }

    /** A bucket's key; the figures are in it, so a changed setting starts new buckets instead of reusing old ones. */
    String key(String subject) {
        return name + ":" + quota + "/" + window.toMillis() + ":" + subject;
    }

    long windowSeconds() {
        return window.toSeconds();
    }

    /** The IETF draft's {@code RateLimit-Policy} item: {@code "requests";q=600;w=60}. */
    String policyHeader() {
        return "\"" + name + "\";q=" + quota + ";w=" + windowSeconds();
    }
}
