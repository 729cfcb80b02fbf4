package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;

public final class PostgresDialect implements Dialect {

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public void configure(HikariConfig pool) {
        // Turns JDBC batches into multi-row INSERTs: one round trip per batch of events.
        pool.addDataSourceProperty("reWriteBatchedInserts", "true");
    }

    @Override
    public boolean serializesWrites() {
        return false;
    }

    @Override
    public String claimJobsSql(String claimable, String assignments, String returning) {
        // SKIP LOCKED lets several claimers (threads or nodes) take disjoint batches without waiting.
        return """
                WITH picked AS (
                    SELECT id AS picked_id FROM jobs
                    WHERE %1$s AND type = :type
                    ORDER BY priority DESC, fair_key, id
                    LIMIT :limit
                    FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET %2$s
                FROM picked WHERE jobs.id = picked.picked_id
                RETURNING %3$s
                """.formatted(claimable, assignments, returning);
    }

    @Override
    public String claimJobsCappedSql(String claimable, String assignments, String returning) {
        // Only owners whose locks the caller holds are considered, so no other claimer takes their
        // jobs meanwhile: the candidates are read without locks and ranked per owner, and only the
        // picked rows are locked (SKIP LOCKED passes over one a cancel holds this instant).
        return """
                WITH running AS (
                    SELECT owner_id, count(*) AS n FROM jobs
                    WHERE state = 'running' AND owner_id IN (:owners) GROUP BY owner_id),
                candidates AS (
                    SELECT id, owner_id, priority, fair_key FROM jobs
                    WHERE %1$s AND type = :type AND owner_id IN (:owners)
                    ORDER BY priority DESC, fair_key, id
                    LIMIT :window),
                ranked AS (
                    SELECT c.id, c.priority, c.fair_key, COALESCE(r.n, 0)
                           + ROW_NUMBER() OVER (PARTITION BY c.owner_id ORDER BY c.priority DESC, c.fair_key, c.id) AS nth
                    FROM candidates c LEFT JOIN running r ON r.owner_id = c.owner_id),
                picked AS (
                    SELECT id AS picked_id FROM jobs
                    WHERE id IN (SELECT id FROM ranked WHERE nth <= :maxRunning
                                 ORDER BY priority DESC, fair_key, id LIMIT :limit)
                      AND %1$s
                    FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET %2$s
                FROM picked WHERE jobs.id = picked.picked_id
                RETURNING %3$s
                """.formatted(claimable, assignments, returning);
    }

    @Override
    public boolean updatesRowsAsArrays() {
        return true;
    }

    @Override
    public String transactionLockSql() {
        // One round trip for all of them: unnest yields the elements in order, each locked as it comes.
        return "SELECT pg_advisory_xact_lock(?, k) FROM unnest(?::int4[]) AS k";
    }

    @Override
    public String notifySql() {
        return "SELECT pg_notify(c, p) FROM unnest(?::text[], ?::text[]) AS notices (c, p)";
    }
}
