package dev.kiln.jobs;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param cancelTimeout         how long a running job has to stop after a cancel before it is
 *                              marked cancelled anyway and its lease revoked; default 10s
 * @param retryInitialBackoff   wait before the second attempt; doubles each attempt; default 5s
 * @param retryMaxBackoff       longest wait between attempts; default 10m
 * @param retryJitter           ± fraction of random spread on each wait; default 0.2
 * @param idempotencyRetention  how long an Idempotency-Key is remembered (at least 24h); default 48h
 */
@ConfigurationProperties("kiln.jobs")
public record JobSettings(
        @DefaultValue("10s") Duration cancelTimeout,
        @DefaultValue("5s") Duration retryInitialBackoff,
        @DefaultValue("10m") Duration retryMaxBackoff,
        @DefaultValue("0.2") double retryJitter,
        @DefaultValue("48h") Duration idempotencyRetention) {

    public JobSettings {
        if (idempotencyRetention.compareTo(Duration.ofHours(24)) < 0) {
            throw new IllegalArgumentException("kiln.jobs.idempotency-retention must be at least 24h");
        }
        if (retryJitter < 0 || retryJitter >= 1) {
            throw new IllegalArgumentException("kiln.jobs.retry-jitter must be in [0, 1)");
        }
    }
}
