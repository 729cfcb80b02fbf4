package dev.kiln.search;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The search index's upkeep.
 *
 * @param interval how often a node looks for jobs waiting to be indexed when nothing woke it; default 2s
 * @param batchSize most jobs one indexing step claims (and a reindex queues per step); default 20
 * @param claimTimeout how long a node holds jobs it claimed before another node may take them over; default 5m
 */
@ConfigurationProperties("kiln.search")
public record SearchSettings(
        @DefaultValue("2s") Duration interval,
        @DefaultValue("20") int batchSize,
        @DefaultValue("5m") Duration claimTimeout) {

    public SearchSettings {
        if (batchSize < 1 || batchSize > 1_000) {
            throw new IllegalArgumentException("kiln.search.batch-size must be from 1 to 1000, not " + batchSize);
        }
        if (interval.isNegative() || interval.isZero() || claimTimeout.toSeconds() < 10) {
            throw new IllegalArgumentException(
                    "kiln.search.interval must be positive and kiln.search.claim-timeout at least 10s");
        }
    }
}
