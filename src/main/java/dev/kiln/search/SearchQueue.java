package dev.kiln.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.db.Database;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The durable work of the index: the {@code search_queue} table (jobs whose index rows must be
 * brought up to date, claimed with a lease like jobs are, so every node may drain it and a dead
 * node's claims are taken over) and the {@code search_reindex} walk that queues every job again,
 * a batch per step, from where it stopped.
 */
@Component
class SearchQueue {

    private final Database db;
    private final Clock clock;
    private final SearchSettings settings;
    private final SearchSql sql;

    SearchQueue(Database db, Clock clock, SearchSettings settings) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.sql = SearchSql.of(db);
    }

    /**
     * Added to the time a job is queued at when only its vectors wait ({@link #enqueueBehind}): it is
     * claimed after every job whose text changed, however long it has waited.
     */
    static final long BEHIND_CHANGES = 1L << 50;

    /**
     * A claimed request: the job, the generation it was at (which only {@link #done} of the same
     * removes) and until when it is held (which tells this claim from a later one, {@link #keep}).
     */
    record Claimed(String jobId, long generation, long until) {}

    /**
     * What waits, for {@code GET /admin/search/status}: jobs queued and being indexed, segments
     * indexed and, where embeddings are enabled, how many of them wait for a vector; and the reranker.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Status(
            long waiting, long indexing, long segments, Long vectorsWaiting, Reindex reindex, Reranker.Status rerank) {}

    /** A reindex in progress: when it started and how many jobs it has queued again so far. */
    record Reindex(long startedAt, long queued) {}

    /**
     * Queues these jobs, whose results changed, in the caller's write transaction; a job already
     * waiting is asked for once more and keeps its place (or comes before {@link #BEHIND_CHANGES}).
     */
    void enqueue(Collection<String> jobIds) {
        enqueue(jobIds, 0);
    }

    /** Queues these jobs, whose rows only wait for vectors, behind every change; in the caller's write transaction. */
    void enqueueBehind(Collection<String> jobIds) {
        enqueue(jobIds, BEHIND_CHANGES);
    }

    private void enqueue(Collection<String> jobIds, long behind) {
        long at = clock.millis() + behind;
        List<Object[]> rows = new ArrayList<>();
        jobIds.forEach(id -> rows.add(new Object[] {id, at}));
        // The earlier place stays: a job edited again must not go to the back of a long queue.
        db.batch("""
                INSERT INTO search_queue (job_id, queued_at) VALUES (?, ?)
                ON CONFLICT (job_id) DO UPDATE SET generation = search_queue.generation + 1,
                  queued_at = CASE WHEN excluded.queued_at < search_queue.queued_at
                                   THEN excluded.queued_at ELSE search_queue.queued_at END""", rows);
    }

    /**
     * Up to {@code limit} waiting jobs, held for the claim timeout: those never claimed (or given back)
     * first, changed ones before those only waiting for vectors, oldest first.
     */
    List<Claimed> claim(int limit) {
        return claim(limit, Long.MAX_VALUE);
    }

    /** Up to {@code limit} waiting jobs whose results changed (not those only waiting for vectors), oldest first. */
    List<Claimed> claimChanged(int limit) {
        return claim(limit, BEHIND_CHANGES);
    }

    private List<Claimed> claim(int limit, long queuedBefore) {
        long now = clock.millis();
        // A read first: an idle node takes no write lock every interval.
        if (db.sql()
                .sql("SELECT job_id FROM search_queue WHERE claimed_until < ? AND queued_at < ? LIMIT 1")
                .params(now, queuedBefore)
                .query(String.class)
                .optional()
                .isEmpty()) {
            return List.of();
        }
        long until = now + settings.claimTimeout().toMillis();
        return db.write(() -> db.sql()
                .sql(sql.claim())
                .param("until", until)
                .param("now", now)
                .param("before", queuedBefore)
                .param("limit", limit)
                .query((rs, n) -> new Claimed(rs.getString(1), rs.getLong(2), until))
                .list());
    }

    /**
     * Before more work on a claimed job: the claim, renewed once half its time is gone; empty when
     * the job is no longer this node's to work on — gone, taken over by another node after the claim
     * ran out, or queued again meanwhile (then given back, so that its new text is written at once).
     */
    Optional<Claimed> keep(Claimed claimed) {
        Optional<long[]> row = db.sql()
                .sql("SELECT generation, claimed_until FROM search_queue WHERE job_id = ?")
                .param(claimed.jobId())
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)})
                .optional();
        if (row.isEmpty() || row.get()[1] != claimed.until()) {
            return Optional.empty();
        }
        if (row.get()[0] != claimed.generation()) {
            db.write(() -> hand(claimed, 0));
            return Optional.empty();
        }
        long now = clock.millis();
        long timeout = settings.claimTimeout().toMillis();
        if (claimed.until() - now > timeout / 2) {
            return Optional.of(claimed);
        }
        Claimed renewed = new Claimed(claimed.jobId(), claimed.generation(), now + timeout);
        return db.write(() -> hand(claimed, renewed.until())) ? Optional.of(renewed) : Optional.empty();
    }

    /** Sets the claim's time if it is still this one (no other node's since); in a write. */
    private boolean hand(Claimed claimed, long until) {
        return db.sql()
                        .sql("UPDATE search_queue SET claimed_until = ? WHERE job_id = ? AND claimed_until = ?")
                        .params(until, claimed.jobId(), claimed.until())
                        .update()
                == 1;
    }

    /** The request was served; if the job was queued again meanwhile, it is free to be claimed at once. */
    void done(Claimed claimed) {
        db.write(() -> {
            int removed = db.sql()
                    .sql("DELETE FROM search_queue WHERE job_id = ? AND generation = ?")
                    .params(claimed.jobId(), claimed.generation())
                    .update();
            if (removed == 0) {
                release(claimed);
            }
        });
    }

    /** Gives a claim back (indexing failed): claimable again at once. */
    void release(Claimed claimed) {
        db.sql()
                .sql("UPDATE search_queue SET claimed_until = 0 WHERE job_id = ?")
                .param(claimed.jobId())
                .update();
    }

    Status status(Long vectorsWaiting, Reranker.Status rerank) {
        long now = clock.millis();
        long waiting = count("SELECT COUNT(*) FROM search_queue", List.of());
        long indexing = count("SELECT COUNT(*) FROM search_queue WHERE claimed_until >= ?", List.of(now));
        long segments = count("SELECT COUNT(*) FROM search_segments", List.of());
        return new Status(waiting, indexing, segments, vectorsWaiting, reindex().orElse(null), rerank);
    }

    private long count(String query, List<Object> params) {
        return db.sql().sql(query).params(params).query(Long.class).single();
    }

    Optional<Reindex> reindex() {
        return db.sql()
                .sql("SELECT started_at, queued FROM search_reindex WHERE id = 1")
                .query((rs, n) -> new Reindex(rs.getLong(1), rs.getLong(2)))
                .optional();
    }

    /** Starts a reindex of everything, unless one is in progress (which then goes on): the one in progress. */
    Reindex startReindex() {
        return db.write(() -> {
            db.sql()
                    .sql("INSERT INTO search_reindex (id, started_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")
                    .param(clock.millis())
                    .update();
            return reindex().orElseThrow();
        });
    }

    /**
     * The reindex's next step: queues the next {@code limit} succeeded jobs of {@code types} after
     * where it stopped (by creation time and id) and moves its position on, in one transaction; ends
     * the reindex when none are left. Returns how many it queued.
     */
    int advanceReindex(List<String> types, int limit) {
        if (reindex().isEmpty()) {
            return 0;
        }
        return db.write(() -> {
            // Takes the row's lock first (PostgreSQL): nodes advancing at once take turns.
            if (db.sql()
                            .sql("UPDATE search_reindex SET queued = queued WHERE id = 1")
                            .update()
                    == 0) {
                return 0;
            }
            Position at = db.sql()
                    .sql("SELECT after_created_at, after_id FROM search_reindex WHERE id = 1")
                    .query((rs, n) -> new Position(rs.getObject(1) == null ? null : rs.getLong(1), rs.getString(2)))
                    .single();
            List<Position> next = types.isEmpty() ? List.of() : next(at, types, limit);
            enqueue(next.stream().map(Position::id).toList());
            if (next.size() < limit) {
                db.sql().sql("DELETE FROM search_reindex WHERE id = 1").update();
            } else {
                Position last = next.getLast();
                db.sql()
                        .sql(
                                "UPDATE search_reindex SET after_created_at = ?, after_id = ?, queued = queued + ? WHERE id = 1")
                        .params(last.createdAt(), last.id(), next.size())
                        .update();
            }
            return next.size();
        });
    }

    private record Position(Long createdAt, String id) {}

    private List<Position> next(Position after, List<String> types, int limit) {
        String from = after.createdAt() == null ? "" : " AND (created_at > :at OR (created_at = :at AND id > :id))";
        var query = db.sql()
                .sql("SELECT created_at, id FROM jobs WHERE state = 'succeeded' AND type IN (:types)" + from
                        + " ORDER BY created_at, id LIMIT :limit")
                .param("types", types)
                .param("limit", limit);
        if (after.createdAt() != null) {
            query = query.param("at", after.createdAt()).param("id", after.id());
        }
        return query.query((rs, n) -> new Position(rs.getLong(1), rs.getString(2)))
                .list();
    }
}
