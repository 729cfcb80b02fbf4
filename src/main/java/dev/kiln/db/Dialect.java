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
    String claimJobsSql(String claimable, String assignments, String returning);

    /**
     * As {@link #claimJobsSql}, but no owner ends up with more than {@code :maxRunning} running
     * jobs (of any type): each owner's best jobs are taken up to what they have left. The candidates
     * are the first {@code :window} claimable jobs in queue order. Where writes are not serialised
     * the claim is restricted to {@code :owners}, whose locks the caller holds (see
     * {@link Database#lockUntilCommit}), so that two claimers never both count an owner's room.
     */
    String claimJobsCappedSql(String claimable, String assignments, String returning);

    /**
     * Whether an update of many rows, each with parameters of its own, runs as one statement
     * joining the parameters as arrays (PostgreSQL: one round trip; a JDBC batch that returns rows is
     * sent statement by statement by its driver); otherwise it runs once per row (SQLite, in process).
     */
    boolean updatesRowsAsArrays();

    /**
     * Takes the locks named by an integer and each element of an integer array, one after another in
     * the array's order, held until the transaction ends; null where write transactions are
     * serialised anyway ({@link #serializesWrites()}).
     */
    String transactionLockSql();

    /**
     * A statement taking an array of channels and an array of payloads that tells every node
     * listening on this database, one notice per pair; null where a single node runs (SQLite), so
     * there is nobody to tell and nothing to listen for.
     */
    String notifySql();

    static Dialect forUrl(String url) {
        if (url.startsWith("jdbc:sqlite:")) {
            return new SqliteDialect();
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return new PostgresDialect();
        }
        throw new IllegalArgumentException("Unsupported database URL '" + url
                + "': Kiln runs on SQLite (jdbc:sqlite:…) or PostgreSQL (jdbc:postgresql:…)");
    }
}
