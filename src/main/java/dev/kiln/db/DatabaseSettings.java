package dev.kiln.db;

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
 */
@ConfigurationProperties("kiln.database")
public record DatabaseSettings(
        String url,
        String username,
        String password,
        @DefaultValue("10") int poolSize) {}
