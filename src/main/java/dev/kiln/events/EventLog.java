package dev.kiln.events;

import dev.kiln.db.Database;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durable per-job event log. Writers append inside the transaction that made the change
 * (and bumped {@code jobs.seq}); readers page through it by seq.
 */
@Component
public class EventLog {

    private final Database db;
    private final JsonMapper json;
    private final EventHub hub;
    private final ApplicationEventPublisher publisher;

    public EventLog(Database db, JsonMapper json, EventHub hub, ApplicationEventPublisher publisher) {
        this.db = db;
        this.json = json;
        this.hub = hub;
        this.publisher = publisher;
    }

    /** Events that committed on this node, published once their transaction did (never if it rolled back). */
    public record Committed(List<JobEvent> events) {}

    /**
     * Must run inside the write transaction that allocated the events' seqs. Live subscribers on
     * this node hear of them once that transaction commits, and not at all if it rolls back; then
     * {@link Committed} tells whoever else listens (other nodes are told by {@code nodes}).
     */
    public void append(List<JobEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        if (!db.inWrite()) {
            throw new IllegalStateException("events must be appended inside the transaction that allocated their seq");
        }
        db.afterCommit(() -> {
            hub.publish(events);
            publisher.publishEvent(new Committed(events));
        });
        db.batch(
                "INSERT INTO job_events (job_id, seq, kind, data, created_at) VALUES (?, ?, ?, ?, ?)",
                events.stream()
                        .map(e -> new Object[] {
                            e.job(), e.seq(), e.kind().wire(), json.writeValueAsString(e.data()), e.ts().toEpochMilli()
                        })
                        .toList());
    }

    /** Jobs (job id to owner id) whose deletion committed on this node, published once it did. */
    public record Deleted(Map<String, String> owners) {}

    /**
     * Must run inside the write transaction that deleted these jobs (job id to owner id; their logs
     * go with them by cascade). Once it commits, their followers and their owners' followers ("my
     * jobs") on this node hear that nothing more will come; then {@link Deleted} tells whoever else
     * listens (other nodes are told by {@code nodes}; their job followers' catch-up, {@link
     * RemoteEvents#catchUp}, finds the jobs gone even if that notice is lost).
     */
    public void deleted(Map<String, String> owners) {
        if (!owners.isEmpty()) {
            Map<String, String> deleted = Map.copyOf(owners);
            db.afterCommit(() -> {
                hub.deleted(deleted);
                publisher.publishEvent(new Deleted(deleted));
            });
        }
    }

    /** Events of {@code jobId} with seq greater than {@code after}, oldest first. */
    public List<JobEvent> after(String jobId, long after, int limit) {
        return db.sql()
                .sql("""
                        SELECT job_id, seq, kind, data, created_at FROM job_events
                        WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?""")
                .params(jobId, after, limit)
                .query((rs, n) -> new JobEvent(
                        rs.getString("job_id"),
                        null,
                        rs.getLong("seq"),
                        EventKind.fromWire(rs.getString("kind")),
                        json.readTree(rs.getString("data")),
                        Instant.ofEpochMilli(rs.getLong("created_at"))))
                .list();
    }

    /**
     * Retention: trims the logs of up to {@code limit} jobs that finished before {@code before}
     * (epoch millis) to their final event (the terminal {@code state}) and their {@code result}
     * events; returns how many events it removed. Trimming twice removes nothing more, so nodes
     * doing it at once only repeat a no-op; a job retried meanwhile is no longer finished and keeps its log.
     */
    public int trimFinished(long before, int limit) {
        return db.write(() -> {
            List<String> jobs =
                    db.sql().sql("""
                            SELECT id FROM jobs j WHERE state IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?
                              AND EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = j.id AND e.seq < j.seq AND e.kind <> 'result')
                            LIMIT ?""").params(before, limit).query(String.class).list();
            if (jobs.isEmpty()) {
                return 0;
            }
            return db.sql().sql("""
                            DELETE FROM job_events WHERE job_id IN (:jobs) AND kind <> 'result'
                              AND seq < (SELECT j.seq FROM jobs j WHERE j.id = job_events.job_id
                                           AND j.state IN ('succeeded', 'failed', 'cancelled'))""").param("jobs", jobs).update();
        });
    }
}
