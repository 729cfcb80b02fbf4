package dev.kiln.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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

/**
 * The outbox ({@code webhook_deliveries}): messages written with the job's end, claimed by any
 * node with a lease (as the search queue is), and their log. Every change after the claim is
 * conditional on the claim's lease, so a node whose claim ran out and was taken over writes nothing.
 */
@Component
class Deliveries {

    static final String PENDING = "pending";
    static final String DELIVERED = "delivered";
    static final String FAILED = "failed";

    private static final String COLUMNS = """
            id, webhook_id, job_id, event_type, url, status, attempts, created_at, last_attempt_at,
            next_attempt_at, response_status, latency_ms, last_error""";

    private static final RowMapper<Delivery> ROWS = (rs, n) -> {
        String status = rs.getString("status");
        return new Delivery(
                rs.getString("id"),
                rs.getString("webhook_id"),
                rs.getString("job_id"),
                rs.getString("event_type"),
                rs.getString("url"),
                status,
                rs.getInt("attempts"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Rows.instant(rs, "last_attempt_at"),
                status.equals(PENDING) ? Rows.instant(rs, "next_attempt_at") : null,
                Rows.nullableInt(rs, "response_status"),
                Rows.nullableLong(rs, "latency_ms"),
                rs.getString("last_error"));
    };

    private final Database db;

    Deliveries(Database db) {
        this.db = db;
    }

    /** A message to write: to {@code url}, signed with {@code webhookId}'s secret. */
    record NewDelivery(
            String webhookId,
            String ownerId,
            String jobId,
            long eventSeq,
            String eventType,
            String url,
            String payload) {}

    /**
     * A delivery as its log shows it: where it stands, its last attempt (status code, time to the
     * answer's head, what went wrong) and, while pending, when it is tried next.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({
        "id",
        "webhookId",
        "jobId",
        "event",
        "url",
        "status",
        "attempts",
        "createdAt",
        "lastAttemptAt",
        "nextAttemptAt",
        "responseStatus",
        "latencyMs",
        "error"
    })
    record Delivery(
            String id,
            String webhookId,
            String jobId,
            String event,
            String url,
            String status,
            int attempts,
            Instant createdAt,
            Instant lastAttemptAt,
            Instant nextAttemptAt,
            Integer responseStatus,
            Long latencyMs,
            String error) {}

    /** A delivery this node holds under {@code lease}, with what it needs to send it. */
    record Claimed(
            String id, String webhookId, String url, String payload, int attempts, long retryUntil, String lease) {}

    /** What an attempt came to. {@code nextAttemptAt} only for a pending one (tried again then). */
    record Outcome(String status, long at, Integer responseStatus, Long latencyMs, String error, long nextAttemptAt) {}

    record Page(List<Delivery> items, String nextCursor) {}

    /** Writes the messages, due at once and tried until {@code retryUntil}; in the caller's transaction. */
    void enqueue(List<NewDelivery> messages, long now, long retryUntil) {
        List<Object[]> rows = new ArrayList<>(messages.size());
        for (NewDelivery m : messages) {
            rows.add(new Object[] {
                Ids.next("msg"),
                m.webhookId(),
                m.ownerId(),
                m.jobId(),
                m.eventSeq(),
                m.eventType(),
                m.url(),
                m.payload(),
                now,
                retryUntil,
                now
            });
        }
        db.batch("""
                INSERT INTO webhook_deliveries (id, webhook_id, owner_id, job_id, event_seq, event_type, url, payload,
                                                status, next_attempt_at, retry_until, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (webhook_id, job_id, event_seq) DO NOTHING""", rows);
    }

    /** Up to {@code limit} deliveries due by {@code now}, soonest first, held under a new lease until {@code until}. */
    List<Claimed> claim(int limit, long now, long until) {
        // A read first: an idle node takes no write lock every interval.
        if (db.sql()
                .sql("SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                        + " AND claimed_until < ? LIMIT 1")
                .params(now, now)
                .query(String.class)
                .optional()
                .isEmpty()) {
            return List.of();
        }
        String lease = Ids.randomToken(26);
        // Where writers run at once (PostgreSQL), each claim skips rows another holds.
        String lock = db.dialect().serializesWrites() ? "" : " FOR UPDATE SKIP LOCKED";
        return db.write(() -> db.sql()
                .sql("""
                            UPDATE webhook_deliveries SET claimed_until = :until, lease = :lease
                            WHERE id IN (SELECT id FROM webhook_deliveries
                                         WHERE status = 'pending' AND next_attempt_at <= :now AND claimed_until < :now
                                         ORDER BY next_attempt_at LIMIT :limit%s)
                            RETURNING id, webhook_id, url, payload, attempts, retry_until""".formatted(lock))
                .param("until", until)
                .param("lease", lease)
                .param("now", now)
                .param("limit", limit)
                .query((rs, n) -> new Claimed(
                        rs.getString("id"),
                        rs.getString("webhook_id"),
                        rs.getString("url"),
                        rs.getString("payload"),
                        rs.getInt("attempts"),
                        rs.getLong("retry_until"),
                        lease))
                .list());
    }

    /** The signing secrets of these webhooks, read as the deliveries go (a rotated secret signs from then on). */
    Map<String, String> secrets(List<String> webhookIds) {
        Map<String, String> secrets = new HashMap<>();
        if (!webhookIds.isEmpty()) {
            db.sql()
                    .sql("SELECT id, secret FROM webhooks WHERE id IN (:ids)")
                    .param("ids", webhookIds)
                    .query(rs -> {
                        secrets.put(rs.getString("id"), rs.getString("secret"));
                    });
        }
        return secrets;
    }

    /** Records an attempt; false when the claim was no longer this node's (nothing written). */
    boolean record(Claimed claimed, Outcome outcome) {
        return db.write(() -> db.sql()
                        .sql("""
                                UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?,
                                  response_status = ?, latency_ms = ?, last_error = ?, next_attempt_at = ?,
                                  claimed_until = 0, lease = NULL
                                WHERE id = ? AND lease = ?""")
                        .params(
                                outcome.status(),
                                outcome.at(),
                                outcome.responseStatus(),
                                outcome.latencyMs(),
                                outcome.error(),
                                outcome.nextAttemptAt(),
                                claimed.id(),
                                claimed.lease())
                        .update()
                > 0);
    }

    /** A page of {@code webhookId}'s deliveries, newest first. */
    Page page(String webhookId, PageCursor after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE webhook_id = ?");
        List<Object> args = new ArrayList<>(List.of(webhookId));
        if (after != null) {
            after.appendTo(sql, args);
        }
        sql.append(PageCursor.ORDER + " LIMIT ?");
        args.add(limit + 1);
        List<Delivery> found =
                db.sql().sql(sql.toString()).params(args).query(ROWS).list();
        if (found.size() <= limit) {
            return new Page(found, null);
        }
        Delivery last = found.get(limit - 1);
        return new Page(found.subList(0, limit), PageCursor.after(last.createdAt(), last.id()));
    }

    /**
     * Sends it again: due at once, with the same webhook-id, tried until {@code retryUntil} like a
     * new one. Empty when {@code webhookId} has no such delivery.
     */
    Optional<Delivery> redeliver(String webhookId, String deliveryId, long now, long retryUntil) {
        if (!Ids.looksLike("msg", deliveryId)) {
            return Optional.empty();
        }
        return db.write(() -> db.sql()
                .sql("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, retry_until = ?"
                        + " WHERE id = ? AND webhook_id = ? RETURNING " + COLUMNS)
                .params(now, retryUntil, deliveryId, webhookId)
                .query(ROWS)
                .optional());
    }

    /** Removes up to {@code limit} delivered or failed deliveries made before {@code before}; how many went. */
    int prune(long before, int limit) {
        return db.write(() -> db.sql()
                .sql("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries"
                        + " WHERE status <> 'pending' AND created_at < ? LIMIT ?)")
                .params(before, limit)
                .update());
    }
}
