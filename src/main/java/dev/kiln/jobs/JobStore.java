package dev.kiln.jobs;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.nodes.Peers;
import dev.kiln.support.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Jobs as clients see them: submit (with idempotency), read, list, cancel, retry. The worker
 * side of the queue is {@link JobQueue}.
 */
@Component
public class JobStore {

    private static final int MAX_RACE_RETRIES = 5;

    private final Database db;
    private final EventLog events;
    private final Peers peers;
    private final JsonMapper json;
    private final Clock clock;
    private final ApplicationEventPublisher publisher;
    private final RowMapper<Job> rows;
    private final JobMetrics metrics;

    public JobStore(Database db, EventLog events, Peers peers, JsonMapper json, Clock clock,
            ApplicationEventPublisher publisher, JobMetrics metrics) {
        this.db = db;
        this.metrics = metrics;
        this.events = events;
        this.peers = peers;
        this.json = json;
        this.clock = clock;
        this.publisher = publisher;
        this.rows = JobRows.mapper(json);
    }

    public record Submission(Job job, boolean replayed) {
    }

    /** Thrown when the same Idempotency-Key comes with a different request. */
    public static final class KeyReused extends RuntimeException {
        KeyReused() {
            super(null, null, false, false);
        }
    }

    /** A concurrent submission with the same key committed first; look again. */
    private static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super(null, null, false, false);
        }
    }

    /**
     * Stores a new queued job, or, for a repeated Idempotency-Key with the same request, returns
     * the job the key created.
     *
     * @throws KeyReused when the key was used for a different request
     */
    public Submission submit(NewJob job) {
        return submit(job, () -> { });
    }

    /**
     * As {@link #submit(NewJob)}; {@code admit} runs in the transaction just before a new job
     * would be stored (never for a replay), and refuses it by throwing: then nothing is stored.
     */
    public Submission submit(NewJob job, Runnable admit) {
        for (int attempt = 0; ; attempt++) {
            try {
                Submission submission = db.write(() -> submitInTransaction(job, admit));
                if (!submission.replayed()) {
                    publisher.publishEvent(new JobSignals.WorkAvailable(job.type()));
                }
                return submission;
            } catch (KeyTaken e) {
                if (attempt >= MAX_RACE_RETRIES) {
                    throw new IllegalStateException("Idempotency key kept changing under us", e);
                }
            }
        }
    }

    /** Stores many jobs in one transaction (no idempotency keys); for bulk submission. */
    public List<Job> submitAll(List<NewJob> jobs) {
        List<Job> stored = db.write(() -> {
            long now = clock.millis();
            List<Job> out = insertAll(jobs, now);
            out.stream().collect(Collectors.groupingBy(Job::type, Collectors.counting()))
                    .forEach((type, n) -> db.afterCommit(() -> metrics.submitted(type, n.intValue())));
            events.append(out.stream()
                    .map(job -> StateEvents.event(job.id(), job.ownerId(), job.seq(), StateEvents.data(JobState.QUEUED, 0), now))
                    .toList());
            return out;
        });
        stored.stream().map(Job::type).distinct().forEach(type -> publisher.publishEvent(new JobSignals.WorkAvailable(type)));
        return stored;
    }

    /**
     * The job an earlier submission with the same Idempotency-Key made, if there is one.
     *
     * @throws KeyReused when the key was used for a different request
     */
    public Optional<Submission> replayOf(NewJob job) {
        if (job.idempotencyKey() == null) {
            return Optional.empty();
        }
        return db.sql().sql("SELECT request_hash, job_id FROM idempotency_keys WHERE owner_id = ? AND idem_key = ?")
                .params(job.ownerId(), job.idempotencyKey())
                .query((rs, n) -> {
                    if (!rs.getString("request_hash").equals(job.requestHash())) {
                        throw new KeyReused();
                    }
                    return new Submission(findById(rs.getString("job_id")).orElseThrow(), true);
                })
                .optional();
    }

    private Submission submitInTransaction(NewJob job, Runnable admit) {
        long now = clock.millis();
        Optional<Submission> earlier = replayOf(job);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        admit.run();
        Job inserted = insert(job, now);
        db.afterCommit(() -> metrics.submitted(job.type(), 1));
        events.append(List.of(StateEvents.event(inserted.id(), inserted.ownerId(), inserted.seq(),
                StateEvents.data(JobState.QUEUED, 0), now)));
        if (job.idempotencyKey() != null) {
            int stored = db.sql().sql("""
                            INSERT INTO idempotency_keys (owner_id, idem_key, request_hash, job_id, created_at)
                            VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner_id, idem_key) DO NOTHING""")
                    .params(job.ownerId(), job.idempotencyKey(), job.requestHash(), inserted.id(), now)
                    .update();
            if (stored == 0) {
                throw new KeyTaken();
            }
        }
        return new Submission(inserted, false);
    }

    private static final String INSERT = """
            INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                              attempt, max_attempts, seq, created_at, idempotency_key)
            VALUES (:id, :owner, :type, :input, :params, :priority, 'queued', :fairKey, :now,
                    0, :maxAttempts, 1, :now, :key)""";

    private Job insert(NewJob job, long now) {
        return insertAll(List.of(job), now).getFirst();
    }

    /** Inserts in one round trip; jobs of one owner, type and priority get consecutive fair keys. */
    private List<Job> insertAll(List<NewJob> jobs, long now) {
        Map<List<Object>, Long> nextKey = new HashMap<>();
        List<Job> rows = new ArrayList<>(jobs.size());
        List<Map<String, ?>> params = new ArrayList<>(jobs.size());
        for (NewJob job : jobs) {
            long fairKey = nextKey.compute(List.of(job.ownerId(), job.type(), job.priority()), (group, last) ->
                    last == null ? firstFairKey(job.ownerId(), job.type(), job.priority()) : last + 1);
            Job row = newRow(job, now);
            rows.add(row);
            Map<String, Object> p = insertParams(row, job);
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
    private long firstFairKey(String ownerId, String type, int priority) {
        return db.sql().sql("""
                        SELECT (SELECT fair_key FROM jobs WHERE %1$s AND type = :type AND priority = :priority
                                ORDER BY fair_key LIMIT 1) AS head,
                               (SELECT fair_key FROM jobs WHERE %1$s AND type = :type AND owner_id = :owner
                                AND priority = :priority ORDER BY fair_key DESC LIMIT 1) AS own""".formatted(JobTransitions.CLAIMABLE))
                .param("type", type).param("priority", priority).param("owner", ownerId)
                .query((rs, n) -> {
                    Long head = dev.kiln.db.Rows.nullableLong(rs, "head");
                    Long own = dev.kiln.db.Rows.nullableLong(rs, "own");
                    return Math.max(head == null ? 0 : head, own == null ? 0 : own + 1);
                })
                .single();
    }

    private Map<String, Object> insertParams(Job row, NewJob job) {
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
        return p;
    }

    private static Job newRow(NewJob job, long now) {
        Instant created = Instant.ofEpochMilli(now);
        return new Job(Ids.next("job"), job.ownerId(), job.type(), job.inputFileId(), job.params(), job.priority(),
                JobState.QUEUED, null, null, 0, 1, 0, job.maxAttempts(), created, null, null, created, null, null, null, null);
    }

    /** The job if it exists and {@code viewer} may see it; otherwise empty, whichever the reason. */
    public Optional<Job> find(String id, User viewer) {
        if (!Ids.looksLike("job", id)) {
            return Optional.empty();
        }
        return findById(id).filter(job -> viewer.canSee(job.ownerId()));
    }

    /** As {@link #find}, with a queued job's place in the queue of its type. */
    public Optional<Job> findWithQueuePosition(String id, User viewer) {
        return find(id, viewer).map(job -> job.state() != JobState.QUEUED ? job : job.withQueuePosition(db.sql().sql("""
                        SELECT count(*) + 1 FROM jobs o JOIN jobs j ON j.id = ?
                        WHERE o.state = 'queued' AND o.type = j.type
                          AND (o.priority > j.priority OR (o.priority = j.priority
                               AND (o.fair_key < j.fair_key OR (o.fair_key = j.fair_key AND o.id < j.id))))""")
                .param(id).query(Long.class).single()));
    }

    Optional<Job> findById(String id) {
        return db.sql().sql("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE id = ?").param(id).query(rows).optional();
    }

    public record Page(List<Job> items, String nextCursor) {
    }

    /** How many of the jobs {@code viewer} sees are in each state (of one type, if given). */
    public Map<String, Long> counts(User viewer, String type) {
        StringBuilder sql = new StringBuilder("SELECT state, count(*) AS n FROM jobs WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        restrict(sql, args, viewer, type);
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (JobState state : JobState.values()) {
            counts.put(state.wire(), 0L);
        }
        db.sql().sql(sql + " GROUP BY state").params(args)
                .query((rs, n) -> Map.entry(rs.getString("state"), rs.getLong("n"))).list()
                .forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /** To the jobs {@code viewer} may see (an admin: all), of one type if given. */
    private static void restrict(StringBuilder sql, List<Object> args, User viewer, String type) {
        if (!viewer.isAdmin()) {
            sql.append(" AND owner_id = ?");
            args.add(viewer.id());
        }
        if (type != null) {
            sql.append(" AND type = ?");
            args.add(type);
        }
    }

    /**
     * Jobs {@code viewer} may see, newest first. The order (created_at, id) is total, so paging
     * with the returned cursor neither repeats nor skips a job while new ones arrive.
     */
    public Page list(User viewer, JobState state, String type, JobCursor after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        restrict(sql, args, viewer, type);
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state.wire());
        }
        if (after != null) {
            sql.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
            args.add(after.createdAt());
            args.add(after.createdAt());
            args.add(after.id());
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        args.add(limit + 1);
        List<Job> found = db.sql().sql(sql.toString()).params(args).query(rows).list();
        if (found.size() <= limit) {
            return new Page(found, null);
        }
        Job last = found.get(limit - 1);
        return new Page(found.subList(0, limit), new JobCursor(last.createdAt().toEpochMilli(), last.id()).encode());
    }

    public sealed interface CancelOutcome {
        Job job();

        /** It had not started; it is cancelled now. */
        record Cancelled(Job job) implements CancelOutcome {
        }

        /** It is running; its worker has been asked to stop. */
        record Requested(Job job) implements CancelOutcome {
        }

        record AlreadyCancelled(Job job) implements CancelOutcome {
        }

        /** It succeeded or failed before the cancel arrived. */
        record AlreadyFinished(Job job) implements CancelOutcome {
        }
    }

    /** Empty when there is no such job for {@code viewer}. */
    public Optional<CancelOutcome> cancel(String id, User viewer) {
        Optional<CancelOutcome> outcome = decideAgainOnRace(id, viewer, "cancel", this::tryCancel);
        if (outcome.isPresent() && outcome.get() instanceof CancelOutcome.Requested) {
            publisher.publishEvent(new JobSignals.CancelRequested(id));
        }
        return outcome;
    }

    /**
     * Reads the job, decides, and applies the decision as a conditional update. When the job moved
     * in between (the update matched nothing and {@code decide} says empty), decides again.
     */
    private <T> Optional<T> decideAgainOnRace(String id, User viewer, String change, Function<Job, Optional<T>> decide) {
        for (int attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
            Optional<Job> current = find(id, viewer);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            Optional<T> outcome = decide.apply(current.get());
            if (outcome.isPresent()) {
                return outcome;
            }
        }
        throw new IllegalStateException("Job " + id + " kept changing state during " + change);
    }

    private Optional<CancelOutcome> tryCancel(Job job) {
        long now = clock.millis();
        return switch (job.state()) {
            case QUEUED, RETRY_SCHEDULED -> {
                JobTransitions.check(job.state(), JobState.CANCELLED);
                yield db.write(() -> db.sql().sql("""
                                    UPDATE jobs SET state = 'cancelled', finished_at = :now, seq = seq + 1
                                    WHERE id = :id AND state = :observed RETURNING seq""")
                            .param("now", now).param("id", job.id()).param("observed", job.state().wire())
                            .query(Long.class).optional()
                            .map(seq -> {
                                events.append(List.of(StateEvents.event(job.id(), job.ownerId(), seq,
                                        StateEvents.data(JobState.CANCELLED, job.attempt()), now)));
                                db.afterCommit(() -> metrics.cancelledWaiting(job.type()));
                                return seq;
                            }))
                    .map(seq -> (CancelOutcome) new CancelOutcome.Cancelled(findById(job.id()).orElseThrow()));
            }
            case RUNNING -> {
                if (job.cancelRequested()) {
                    yield Optional.of(new CancelOutcome.Requested(job));
                }
                yield db.write(() -> db.sql().sql("""
                                        UPDATE jobs SET cancel_requested_at = :now, seq = seq + 1
                                        WHERE id = :id AND state = 'running' AND cancel_requested_at IS NULL RETURNING seq""")
                                .param("now", now).param("id", job.id())
                                .query(Long.class).optional()
                                .map(seq -> {
                                    ObjectNode data = StateEvents.data(JobState.RUNNING, job.attempt());
                                    data.put("cancelRequested", true);
                                    events.append(List.of(StateEvents.event(job.id(), job.ownerId(), seq, data, now)));
                                    // The job may run on another node: it hears at once, not at its next heartbeat.
                                    peers.cancelRequested(job.id());
                                    return seq;
                                }))
                        .map(seq -> (CancelOutcome) new CancelOutcome.Requested(findById(job.id()).orElseThrow()));
            }
            case CANCELLED -> Optional.of(new CancelOutcome.AlreadyCancelled(job));
            case SUCCEEDED, FAILED -> Optional.of(new CancelOutcome.AlreadyFinished(job));
        };
    }

    public sealed interface RetryOutcome {
        Job job();

        record Requeued(Job job) implements RetryOutcome {
        }

        /** Only failed or cancelled jobs can be retried. */
        record NotRetryable(Job job) implements RetryOutcome {
        }
    }

    /** Puts a failed or cancelled job back in the queue with fresh attempts. Empty when there is no such job. */
    public Optional<RetryOutcome> retry(String id, User viewer) {
        return retry(id, viewer, owner -> { });
    }

    /**
     * As {@link #retry(String, User)}; {@code admit} gets the job's owner in the transaction just
     * before the job would be queued again, and refuses it by throwing: then nothing changes.
     */
    public Optional<RetryOutcome> retry(String id, User viewer, Consumer<String> admit) {
        Optional<RetryOutcome> outcome = decideAgainOnRace(id, viewer, "retry", job -> {
            if (job.state() != JobState.FAILED && job.state() != JobState.CANCELLED) {
                return Optional.of(new RetryOutcome.NotRetryable(job));
            }
            return requeue(job, admit) ? Optional.of(new RetryOutcome.Requeued(findById(id).orElseThrow())) : Optional.empty();
        });
        if (outcome.isPresent() && outcome.get() instanceof RetryOutcome.Requeued requeued) {
            publisher.publishEvent(new JobSignals.WorkAvailable(requeued.job().type()));
        }
        return outcome;
    }

    private boolean requeue(Job job, Consumer<String> admit) {
        JobTransitions.check(job.state(), JobState.QUEUED);
        long now = clock.millis();
        return db.write(() -> {
            admit.accept(job.ownerId());
            Optional<Long> seq = db.sql().sql("""
                            UPDATE jobs SET state = 'queued', attempt = 0, run_after = :now, fair_key = :fairKey,
                                   error_code = NULL, error_message = NULL, error_retryable = NULL,
                                   started_at = NULL, finished_at = NULL, cancel_requested_at = NULL,
                                   progress = 0, stage = NULL, eta_at = NULL, result_size = NULL, seq = seq + 1
                            WHERE id = :id AND state = :observed RETURNING seq""")
                    .param("now", now).param("id", job.id()).param("observed", job.state().wire())
                    .param("fairKey", firstFairKey(job.ownerId(), job.type(), job.priority()))
                    .query(Long.class).optional();
            seq.ifPresent(s -> {
                db.sql().sql("DELETE FROM job_results WHERE job_id = ?").param(job.id()).update();
                ObjectNode data = StateEvents.data(JobState.QUEUED, 0);
                data.put("reason", "retry");
                events.append(List.of(StateEvents.event(job.id(), job.ownerId(), s, data, now)));
                db.afterCommit(() -> metrics.retriedByHand(job.type()));
            });
            return seq.isPresent();
        });
    }

    /** The stored result document of a job {@code viewer} may see. */
    public Optional<String> result(String id, User viewer) {
        return find(id, viewer).flatMap(job -> db.sql().sql("SELECT body FROM job_results WHERE job_id = ?")
                .param(id).query(String.class).optional());
    }

    /** Forgets Idempotency-Keys older than the retention. */
    public int pruneIdempotencyKeys(Instant before) {
        return db.write(() -> db.sql().sql("DELETE FROM idempotency_keys WHERE created_at < ?")
                .param(before.toEpochMilli()).update());
    }
}
