package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;

public final class SqliteDialect implements Dialect {

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public void configure(HikariConfig pool) {
        pool.setDriverClassName(SqliteDriver.class.getName());
        // WAL lets readers run beside the single writer; FULL keeps committed work across power loss.
        pool.addDataSourceProperty("journal_mode", "WAL");
        pool.addDataSourceProperty("synchronous", "FULL");
        pool.addDataSourceProperty("foreign_keys", "true");
        pool.addDataSourceProperty("busy_timeout", "10000");
        // Take the write lock at BEGIN, so a transaction never fails half-way upgrading its lock.
        pool.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    }

    @Override
    public boolean serializesWrites() {
        return true;
    }

    @Override
    public String claimJobsSql(String claimable, String assignments, String returning) {
        // SQLite has a single writer, so select-then-update inside one statement is atomic.
        return """
                UPDATE jobs SET %2$s
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE %1$s AND type = :type
                    ORDER BY priority DESC, fair_key, id
                    LIMIT :limit)
                RETURNING %3$s
                """.formatted(claimable, assignments, returning);
    }

    @Override
    public String claimJobsCappedSql(String claimable, String assignments, String returning) {
        // One statement under the single writer: the running counts cannot change before it is done.
        return """
                UPDATE jobs SET %2$s
                WHERE id IN (
                    WITH running AS (
                        SELECT owner_id, count(*) AS n FROM jobs WHERE state = 'running' GROUP BY owner_id),
                    candidates AS (
                        SELECT id, owner_id, priority, fair_key FROM jobs
                        WHERE %1$s AND type = :type
                          AND owner_id NOT IN (SELECT owner_id FROM running WHERE n >= :maxRunning)
                        ORDER BY priority DESC, fair_key, id
                        LIMIT :window)
                    SELECT id FROM (
                        SELECT c.id, c.priority, c.fair_key, COALESCE(r.n, 0)
                               + ROW_NUMBER() OVER (PARTITION BY c.owner_id ORDER BY c.priority DESC, c.fair_key, c.id) AS nth
                        FROM candidates c LEFT JOIN running r ON r.owner_id = c.owner_id) ranked
                    WHERE nth <= :maxRunning
                    ORDER BY priority DESC, fair_key, id
                    LIMIT :limit)
                RETURNING %3$s
                """.formatted(claimable, assignments, returning);
    }

    @Override
    public boolean updatesRowsAsArrays() {
        return false;
    }

    @Override
    public String transactionLockSql() {
        return null;
    }

    @Override
    public String notifySql() {
        return null;
    }
}
