package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.support.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** The SUBMIT arrow's INSERT: new queued jobs, each owner's placed in fair order. */
final class JobInserts {

    private static final String INSERT = """
            INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                              attempt, max_attempts, seq, created_at, idempotency_key)
            VALUES (:id, :owner, :type, :input, :params, :priority, 'queued', :fairKey, :now,
                    0, :maxAttempts, 1, :now, :key)""";

    private final Database db;
    private final JsonMapper json;

    JobInserts(Database db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Inserts in one round trip; jobs of one owner, type and priority get consecutive fair keys. */
    List<Job> insert(List<NewJob> jobs, Instant now) {
        Map<List<Object>, Long> nextKey = new HashMap<>();
        List<Job> rows = new ArrayList<>(jobs.size());
        List<Map<String, ?>> params = new ArrayList<>(jobs.size());
        for (NewJob job : jobs) {
            long fairKey = nextKey.compute(
                    List.of(job.ownerId(), job.type(), job.priority()),
                    (group, last) -> last == null ? firstFairKey(job.ownerId(), job.type(), job.priority()) : last + 1);
            Job row = new Job(
                    Ids.next("job"),
                    job.ownerId(),
                    job.type(),
                    job.inputFileId(),
                    job.params(),
                    job.priority(),
                    JobState.QUEUED,
                    null,
                    null,
                    0,
                    1,
                    0,
                    job.maxAttempts(),
                    now,
                    null,
                    null,
                    now,
                    null,
                    null,
                    null,
                    null,
                    null);
            rows.add(row);
            Map<String, Object> p = new HashMap<>();
            p.put("id", row.id());
            p.put("owner", job.ownerId());
            p.put("type", job.type());
            p.put("input", job.inputFileId());
            p.put("params", json.writeValueAsString(job.params()));
            p.put("priority", job.priority());
            p.put("now", now.toEpochMilli());
            p.put("maxAttempts", job.maxAttempts());
            p.put("key", job.idempotencyKey());
            p.put("fairKey", fairKey);
            params.add(p);
        }
        db.batchNamed(INSERT, params);
        return rows;
    }

    /**
     * The fair order key for an owner's next job of a type and priority: after their last queued
     * one, and never before the head of that queue. One owner's backlog therefore interleaves
     * with another owner's new job instead of starving it. Two indexed lookups.
     */
    long firstFairKey(String ownerId, String type, int priority) {
        return db.sql()
                .sql("""
                        SELECT (SELECT fair_key FROM jobs WHERE %1$s AND type = :type AND priority = :priority
                                ORDER BY fair_key LIMIT 1) AS head,
                               (SELECT fair_key FROM jobs WHERE %1$s AND type = :type AND owner_id = :owner
                                AND priority = :priority ORDER BY fair_key DESC LIMIT 1) AS own""".formatted(Transition.CLAIMABLE))
                .param("type", type)
                .param("priority", priority)
                .param("owner", ownerId)
                .query((rs, n) -> {
                    Long head = Rows.nullableLong(rs, "head");
                    Long own = Rows.nullableLong(rs, "own");
                    return Math.max(head == null ? 0 : head, own == null ? 0 : own + 1);
                })
                .single();
    }
}
