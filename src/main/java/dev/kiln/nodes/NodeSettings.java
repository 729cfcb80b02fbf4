package dev.kiln.nodes;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Several nodes on one PostgreSQL (nothing here applies to SQLite).
 *
 * @param catchUpInterval   how often followed jobs are compared with the event log, so an event
 *                          whose notification was lost reaches its followers this late at worst;
 *                          default 1s
 * @param maxReconnectDelay longest wait between attempts to open the listening connection again
 *                          after losing it (the wait doubles from 100ms up to this); default 10s
 */
@ConfigurationProperties("kiln.nodes")
public record NodeSettings(
        @DefaultValue("1s") Duration catchUpInterval,
        @DefaultValue("10s") Duration maxReconnectDelay) {

    public NodeSettings {
        if (catchUpInterval.toMillis() < 10) {
            throw new IllegalArgumentException("kiln.nodes.catch-up-interval must be at least 10ms");
        }
    }
}
