package dev.kiln.db;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which database Kiln uses.
 *
 * @param url      JDBC URL; empty means the embedded SQLite file {@code <home>/kiln.db}.
 *                 A {@code jdbc:postgresql:} URL switches to PostgreSQL.
 * @param username database user (PostgreSQL)
 * @param password database password (PostgreSQL)
 * @param poolSize maximum open connections
 * @param contentLockConnections most connections, outside {@code poolSize}, holding locks of content
 *                 hashes while a node stores or deletes content several nodes share (PostgreSQL)
 * @param contentLockWait longest wait for one of those connections, and for a content hash's lock
 */
@ConfigurationProperties("kiln.database")
public record DatabaseSettings(
        String url,
        String username,
        String password,
        @DefaultValue("10") int poolSize,
        @DefaultValue("4") int contentLockConnections,
        @DefaultValue("10s") Duration contentLockWait) {

    public DatabaseSettings {
        if (contentLockConnections < 1) {
            throw new IllegalArgumentException("kiln.database.content-lock-connections must be at least 1");
        }
        if (contentLockWait == null || contentLockWait.isNegative() || contentLockWait.isZero()) {
            throw new IllegalArgumentException("kiln.database.content-lock-wait must be positive");
        }
    }

    /** {@code url} with a pool of {@code poolSize}, and the defaults of the rest. */
    public static DatabaseSettings forUrl(String url, int poolSize) {
        return new DatabaseSettings(url, null, null, poolSize, 4, Duration.ofSeconds(10));
    }
}
