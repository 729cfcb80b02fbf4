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

/**
 * The INSERTs of the arrows that make jobs: SUBMIT (new queued jobs, each owner's placed in fair
 * order) and SUBMIT_REUSED (a job succeeded at once with a copy of an earlier job's result).
 */
final class JobInserts {

    private static final String INSERT = """
            INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                              attempt, max_attempts, seq, created_at, idempotency_key, reuse_key, callback_url)
            VALUES (:id, :owner, :type, :input, :params, :priority, 'queued', :fairKey, :now,
                    0, :maxAttempts, 1, :now, :key, :reuseKey, :callbackUrl)""";

    /** Never claimable, so its fair key does not matter; it never ran, so it has no start. */
    private static final String INSERT_REUSED = """
            INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                              attempt, max_attempts, seq, created_at, finished_at, progress, result_size,
                              idempotency_key, reuse_key, reused_from, callback_url)
            VALUES (:id, :owner, :type, :input, :params, :priority, 'succeeded', 0, :now,
                    0, :maxAttempts, :seq, :now, :now, 1, :resultSize, :key, :reuseKey, :source, :callbackUrl)""";

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
            Job row = row(job, JobState.QUEUED, 1, null, null, now);
            rows.add(row);
            Map<String, Object> p = values(row, job);
            p.put("fairKey", fairKey);
            params.add(p);
        }
        db.batchNamed(INSERT, params);
        return rows;
    }

    /**
     * Inserts {@code job} succeeded at once with a copy of {@code source}'s result.
     *
     * @throws Reuse.SourceGone when the source's result went meanwhile (the caller rolls back)
     */
    Job insertReused(NewJob job, Reuse.Source source, Instant now) {
        long seq = source.resultSize() == null ? 1 : 2; // its result event, then its state
        Job row = row(job, JobState.SUCCEEDED, seq, source.resultSize(), source.jobId(), now);
        Map<String, Object> p = values(row, job);
        p.put("seq", seq);
        p.put("resultSize", source.resultSize());
        p.put("source", source.jobId());
        db.sql().sql(INSERT_REUSED).params(p).update();
        if (source.resultSize() != null
                && db.sql()
                                .sql("INSERT INTO job_results (job_id, body, created_at) "
                                        + "SELECT ?, body, ? FROM job_results WHERE job_id = ?")
                                .params(row.id(), now.toEpochMilli(), source.jobId())
                                .update()
                        == 0) {
            throw new Reuse.SourceGone();
        }
        return row;
    }

    private static Job row(NewJob job, JobState state, long seq, Long resultSize, String reusedFrom, Instant now) {
        boolean ended = state == JobState.SUCCEEDED;
        return new Job(
                Ids.nextOrdered("job", now),
                job.ownerId(),
                job.type(),
                job.inputFileId(),
                job.params(),
                job.priority(),
                state,
                null,
                null,
                ended ? 1 : 0,
                seq,
                0,
                job.maxAttempts(),
                now,
                null,
                ended ? now : null,
                now,
                null,
                resultSize,
                null,
                null,
                null,
                reusedFrom);
    }

    private Map<String, Object> values(Job row, NewJob job) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", row.id());
        p.put("owner", job.ownerId());
        p.put("type", job.type());
        p.put("input", job.inputFileId());
        p.put("params", json.writeValueAsString(job.params()));
        p.put("priority", job.priority());
        p.put("now", row.createdAt().toEpochMilli());
        p.put("maxAttempts", job.maxAttempts());
        p.put("key", job.idempotencyKey());
        p.put("reuseKey", job.reuseKey());
        p.put("callbackUrl", job.callbackUrl());
        return p;
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
