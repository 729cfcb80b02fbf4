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
    public String claimJobsSql(String claimableStates, String returning) {
        // SKIP LOCKED lets several claimers (threads or nodes) take disjoint batches without waiting.
        return """
                WITH picked AS (
                    SELECT id AS picked_id FROM jobs
                    WHERE %s AND type = :type
                    ORDER BY priority DESC, fair_key, id
                    LIMIT :limit
                    FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET state = 'running', attempt = attempt + 1, seq = seq + 1,
                       lease_token = :token, lease_node = :node, lease_expires_at = :leaseUntil,
                       started_at = :now, stage = NULL, eta_at = NULL, progress = 0
                FROM picked WHERE jobs.id = picked.picked_id
                RETURNING %s
                """.formatted(claimableStates, returning);
    }
}
