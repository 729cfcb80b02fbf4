package dev.kiln.processors;

import java.time.Duration;

/**
 * @param maxAttempts attempts before a retryable failure becomes final
 * @param timeout     longest one attempt may run; it is then stopped and failed as {@code timeout}
 * @param concurrency most attempts running at once on one node
 */
public record ProcessorLimits(int maxAttempts, Duration timeout, int concurrency) {

    public ProcessorLimits {
        if (maxAttempts < 1 || concurrency < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("invalid limits: " + maxAttempts + ", " + timeout + ", " + concurrency);
        }
    }

    ProcessorLimits override(ProcessorSettings.Override o) {
        if (o == null) {
            return this;
        }
        return new ProcessorLimits(
                o.maxAttempts() != null ? o.maxAttempts() : maxAttempts,
                o.timeout() != null ? o.timeout() : timeout,
                o.concurrency() != null ? o.concurrency() : concurrency);
    }
}
