package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;

/**
 * What differs between the databases Kiln runs on. Everything else is shared SQL.
 */
public sealed interface Dialect permits SqliteDialect, PostgresDialect {

    /** Name of the migration folder under {@code db/migration}. */
    String name();

    /** Connection settings this database needs (pragmas, driver flags). */
    void configure(HikariConfig pool);

    /**
     * Whether write transactions must be serialised inside the process. SQLite has one writer;
     * queueing writers on a Java lock is faster and fairer than its busy-wait handler.
     */
    boolean serializesWrites();

    /**
     * Claims up to {@code :limit} claimable jobs of {@code :type} in one statement, moving them to
     * running under lease {@code :token}. Returns the claimed rows.
     */
    String claimJobsSql(String claimableStates, String returning);

    static Dialect forUrl(String url) {
        if (url.startsWith("jdbc:sqlite:")) {
            return new SqliteDialect();
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return new PostgresDialect();
        }
        throw new IllegalArgumentException(
                "Unsupported database URL '" + url + "': Kiln runs on SQLite (jdbc:sqlite:…) or PostgreSQL (jdbc:postgresql:…)");
    }
}
