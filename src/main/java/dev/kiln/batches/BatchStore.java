package dev.kiln.batches;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.support.Ids;
import dev.kiln.support.PageCursor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

/** The {@code batches} table and the jobs' {@code batch_id}: the batch feature's SQL. */
@Component
class BatchStore {

    private static final String COLUMNS = "id, owner_id, name, type, job_count, created_at, request_hash";
    private static final RowMapper<BatchRow> ROWS = (rs, n) -> new BatchRow(
            rs.getString("id"),
            rs.getString("owner_id"),
            rs.getString("name"),
            rs.getString("type"),
            rs.getInt("job_count"),
            Rows.instant(rs, "created_at"),
            rs.getString("request_hash"));

    private final Database db;

    BatchStore(Database db) {
        this.db = db;
    }

    /** A stored batch; {@code requestHash} tells a replay of its Idempotency-Key from another request. */
    record BatchRow(
            String id, String ownerId, String name, String type, int jobCount, Instant createdAt, String requestHash) {}

    /**
     * Stores a batch in the caller's transaction; false when a concurrent request with the same
     * Idempotency-Key stored one first.
     */
    boolean insert(BatchRow row, String idempotencyKey) {
        return db.sql()
                        .sql("""
                                INSERT INTO batches (id, owner_id, name, type, job_count, created_at, idempotency_key,
                                                     request_hash)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                                ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING""")
                        .params(
                                row.id(),
                                row.ownerId(),
                                row.name(),
                                row.type(),
                                row.jobCount(),
                                row.createdAt().toEpochMilli(),
                                idempotencyKey,
                                row.requestHash())
                        .update()
                == 1;
    }

    /** Marks the jobs as the batch's, in the order given (its files'), in the caller's transaction. */
    void assign(String batchId, List<String> jobIds) {
        List<Map<String, ?>> rows = new ArrayList<>(jobIds.size());
        for (int i = 0; i < jobIds.size(); i++) {
            rows.add(Map.of("batch", batchId, "position", i, "id", jobIds.get(i)));
        }
        db.batchNamed("UPDATE jobs SET batch_id = :batch, batch_position = :position WHERE id = :id", rows);
    }

    /** The batch stored with this key at or after {@code since}: before that the key is forgotten. */
    Optional<BatchRow> byKey(String ownerId, String idempotencyKey, Instant since) {
        return db.sql()
                .sql("SELECT " + COLUMNS
                        + " FROM batches WHERE owner_id = ? AND idempotency_key = ? AND created_at >= ?")
                .params(ownerId, idempotencyKey, since.toEpochMilli())
                .query(ROWS)
                .optional();
    }

    /** Frees a key its batch took before {@code since}, in the caller's transaction, so a new batch may take it. */
    void forgetKey(String ownerId, String idempotencyKey, Instant since) {
        db.sql()
                .sql(
                        "UPDATE batches SET idempotency_key = NULL WHERE owner_id = ? AND idempotency_key = ? AND created_at < ?")
                .params(ownerId, idempotencyKey, since.toEpochMilli())
                .update();
    }

    /** The batch if it exists and {@code viewer} may see it; otherwise empty, whichever the reason. */
    Optional<BatchRow> find(String id, User viewer) {
        if (!Ids.looksLike("batch", id)) {
            return Optional.empty();
        }
        return db.sql()
                .sql("SELECT " + COLUMNS + " FROM batches WHERE id = ?")
                .param(id)
                .query(ROWS)
                .optional()
                .filter(row -> viewer.canSee(row.ownerId()));
    }

    record Page(List<BatchRow> items, String nextCursor) {}

    /** Batches {@code viewer} may see (an admin: all), newest first, paged like the jobs list. */
    Page list(User viewer, PageCursor after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM batches WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (!viewer.isAdmin()) {
            sql.append(" AND owner_id = ?");
            args.add(viewer.id());
        }
        if (after != null) {
            after.appendTo(sql, args);
        }
        sql.append(PageCursor.ORDER + " LIMIT ?");
        args.add(limit + 1);
        List<BatchRow> found =
                db.sql().sql(sql.toString()).params(args).query(ROWS).list();
        if (found.size() <= limit) {
            return new Page(found, null);
        }
        BatchRow last = found.get(limit - 1);
        return new Page(found.subList(0, limit), PageCursor.after(last.createdAt(), last.id()));
    }

    /** Per batch: how many of its jobs are in each state, and the sum of their progress; one read for a page. */
    Map<String, Tally> tallies(List<String> batchIds) {
        Map<String, Tally> tallies = new HashMap<>();
        if (batchIds.isEmpty()) {
            return tallies;
        }
        db.sql().sql("""
                        SELECT batch_id, state, count(*) AS n, sum(progress) AS progress FROM jobs
                        WHERE batch_id IN (:ids) GROUP BY batch_id, state""").param("ids", batchIds).query(rs -> {
            tallies.computeIfAbsent(rs.getString("batch_id"), id -> new Tally())
                    .add(rs.getString("state"), rs.getLong("n"), rs.getDouble("progress"));
        });
        return tallies;
    }
}
