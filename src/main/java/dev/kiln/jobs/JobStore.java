package dev.kiln.jobs;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.SqliteDialect;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.support.Ids;
import dev.kiln.support.PageCursor;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Jobs as clients see them: submit (with idempotency), read, list, cancel, retry. The worker
 * side of the queue is {@link JobQueue}.
 */
@Component
public class JobStore {

    private static final int MAX_RACE_RETRIES = 5;

    private final Database db;
    private final FileCatalog files;
    private final JobStateMachine arrows;
    private final Clock clock;
    private final RowMapper<Job> rows;
    private final JobInserts inserts;
    private final Reuse reuse;

    public JobStore(Database db, JobStateMachine arrows, FileCatalog files, JsonMapper json, Clock clock) {
        this.db = db;
        this.files = files;
        this.arrows = arrows;
        this.clock = clock;
        this.rows = JobRows.mapper(json);
        this.inserts = new JobInserts(db, json);
        this.reuse = new Reuse(db);
    }

    public record Submission(Job job, boolean replayed) {}

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
        return submit(job, () -> {});
    }

    /**
     * As {@link #submit(NewJob)}; {@code admit} runs in the transaction just before a new job
     * would be queued (never for a replay, nor for a job that reuses an earlier result: it does not
     * wait), and refuses it by throwing: then nothing is stored.
     */
    public Submission submit(NewJob job, Runnable admit) {
        for (int attempt = 0; ; attempt++) {
            try {
                return db.write(() -> submitInTransaction(job, admit));
            } catch (KeyTaken | Reuse.SourceGone e) {
                if (attempt >= MAX_RACE_RETRIES) {
                    throw new IllegalStateException("Idempotency key kept changing under us", e);
                }
            }
        }
    }

    /** Stores many jobs in one transaction (no idempotency keys); for bulk submission. */
    public List<Job> submitAll(List<NewJob> jobs) {
        return db.write(() -> arrows.submit(jobs, clock.instant()));
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
        return db.sql()
                .sql("SELECT request_hash, job_id FROM idempotency_keys WHERE owner_id = ? AND idem_key = ?")
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
        Optional<Submission> earlier = replayOf(job);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Optional<Reuse.Source> source = job.reuse() ? reuse.find(job.ownerId(), job.reuseKey()) : Optional.empty();
        Job inserted;
        if (source.isPresent()) {
            inserted = arrows.submitReused(job, source.get(), clock.instant());
        } else {
            admit.run();
            inserted = arrows.submit(List.of(job), clock.instant()).getFirst();
        }
        if (job.idempotencyKey() != null) {
            int stored = db.sql()
                    .sql("""
                            INSERT INTO idempotency_keys (owner_id, idem_key, request_hash, job_id, created_at)
                            VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner_id, idem_key) DO NOTHING""")
                    .params(
                            job.ownerId(),
                            job.idempotencyKey(),
                            job.requestHash(),
                            inserted.id(),
                            inserted.createdAt().toEpochMilli())
                    .update();
            if (stored == 0) {
                throw new KeyTaken();
            }
        }
        return new Submission(inserted, false);
    }

    /** The job whose result {@code job} would take instead of running, if it may and there is one. */
    public Optional<String> reuseSource(NewJob job) {
        return job.reuse() ? reuse.find(job.ownerId(), job.reuseKey()).map(Reuse.Source::jobId) : Optional.empty();
    }

    /**
     * Where a job of {@code ownerId}'s submitted now would stand in the queue of {@code type} (1 =
     * next): after the claimable jobs of higher priority, and of equal priority before its fair key.
     */
    public long queuePositionOfNew(String ownerId, String type, int priority) {
        long fairKey = inserts.firstFairKey(ownerId, type, priority);
        return db.sql()
                .sql("SELECT count(*) + 1 FROM jobs WHERE " + Transition.CLAIMABLE
                        + " AND type = ? AND (priority > ? OR (priority = ? AND fair_key < ?))")
                .params(type, priority, priority, fairKey)
                .query(Long.class)
                .single();
    }

    /** The job if it exists and {@code viewer} may see it; otherwise empty, whichever the reason. */
    public Optional<Job> find(String id, User viewer) {
        if (!Ids.looksLike("job", id)) {
            return Optional.empty();
        }
        return findById(id).filter(job -> viewer.canSee(job.ownerId()));
    }

    /** The jobs with their input files' names, types and measures (one read for all). */
    private List<Job> withInputs(List<Job> jobs) {
        Map<String, FileInfo> inputs = files.findByIds(
                jobs.stream().map(Job::inputFileId).filter(Objects::nonNull).toList());
        return jobs.stream()
                .map(job -> {
                    FileInfo f = job.inputFileId() == null ? null : inputs.get(job.inputFileId());
                    return f == null
                            ? job
                            : job.withInput(new Job.Input(f.id(), f.name(), f.mediaType(), f.duration(), f.pages()));
                })
                .toList();
    }

    /** As {@link #find}, with a queued job's place in the queue of its type and its input's details. */
    public Optional<Job> findWithQueuePosition(String id, User viewer) {
        return find(id, viewer)
                .map(job -> withInputs(List.of(job)).getFirst())
                .map(job -> job.state() != JobState.QUEUED
                        ? job
                        : job.withQueuePosition(
                                db.sql().sql("""
                        SELECT count(*) + 1 FROM jobs o JOIN jobs j ON j.id = ?
                        WHERE o.state = 'queued' AND o.type = j.type
                          AND (o.priority > j.priority OR (o.priority = j.priority
                               AND (o.fair_key < j.fair_key OR (o.fair_key = j.fair_key AND o.id < j.id))))""").param(id).query(Long.class).single()));
    }

    /** For Kiln's own use (an external worker's call about the job it holds), never to answer a client about a job. */
    public Optional<Job> findById(String id) {
        return db.sql()
                .sql("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE id = ?")
                .param(id)
                .query(rows)
                .optional();
    }

    /** The jobs of a batch in the order of its files, with their inputs' details (access is the batch's to check). */
    public List<Job> inBatch(String batchId) {
        return withInputs(db.sql()
                .sql("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE batch_id = ? ORDER BY batch_position")
                .param(batchId)
                .query(rows)
                .list());
    }

    public record Page(List<Job> items, String nextCursor) {}

    /** How many of the jobs {@code viewer} sees are in each state (of one type, if given). */
    public Map<String, Long> counts(User viewer, String type) {
        StringBuilder sql = new StringBuilder("SELECT state, count(*) AS n FROM jobs WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        restrict(sql, args, viewer, type, OWNER);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (JobState state : JobState.values()) {
            counts.put(state.wire(), 0L);
        }
        db.sql()
                .sql(sql + " GROUP BY state")
                .params(args)
                .query((rs, n) -> Map.entry(rs.getString("state"), rs.getLong("n")))
                .list()
                .forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /** The condition to the viewer's own jobs, where nothing else narrows them to one file. */
    static final String OWNER = " AND owner_id = ?";

    /**
     * The condition to one owner's jobs beside one file's, which {@code jobs_by_input_file_age} finds in the
     * list's order: on SQLite one no index serves, since SQLite, with no statistics unless ANALYZE ran, would
     * walk the owner's jobs by {@code jobs_by_owner} instead; on PostgreSQL the plain one (V26_2's statistics
     * tell it a file's jobs are its owner's; it would take the other for a few rows and sort them all).
     */
    static String ownerBesideFile(Database db) {
        return db.dialect() instanceof SqliteDialect ? " AND owner_id || '' = ?" : OWNER;
    }

    /** To the jobs {@code viewer} may see (an admin: all; else by {@code ownerCondition}), of one type if given. */
    static void restrict(StringBuilder sql, List<Object> args, User viewer, String type, String ownerCondition) {
        if (!viewer.isAdmin()) {
            sql.append(ownerCondition);
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
    public Page list(User viewer, JobState state, String type, PageCursor after, int limit) {
        return list(viewer, new JobFilter(state, type, null, null), after, limit);
    }

    /** As above, narrowed by {@code filter}; with their inputs' details. */
    public Page list(User viewer, JobFilter filter, PageCursor after, int limit) {
        List<Object> args = new ArrayList<>();
        String sql = filter.listSql(viewer, after, limit + 1, ownerBesideFile(db), args);
        List<Job> found = withInputs(db.sql().sql(sql).params(args).query(rows).list());
        if (found.size() <= limit) {
            return new Page(found, null);
        }
        Job last = found.get(limit - 1);
        return new Page(found.subList(0, limit), PageCursor.after(last.createdAt(), last.id()));
    }

    public sealed interface CancelOutcome {
        Job job();

        /** It had not started; it is cancelled now. */
        record Cancelled(Job job) implements CancelOutcome {}

        /** It is running; its worker has been asked to stop. */
        record Requested(Job job) implements CancelOutcome {}

        record AlreadyCancelled(Job job) implements CancelOutcome {}

        /** It succeeded or failed before the cancel arrived. */
        record AlreadyFinished(Job job) implements CancelOutcome {}
    }

    /** Empty when there is no such job for {@code viewer}. */
    public Optional<CancelOutcome> cancel(String id, User viewer) {
        return decideAgainOnRace(id, viewer, "cancel", this::tryCancel);
    }

    /**
     * Reads the job, decides, and applies the decision as a conditional update. When the job moved
     * in between (the update matched nothing and {@code decide} says empty), decides again.
     */
    private <T> Optional<T> decideAgainOnRace(
            String id, User viewer, String change, Function<Job, Optional<T>> decide) {
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
        return switch (job.state()) {
            case QUEUED, RETRY_SCHEDULED ->
                db.write(() -> arrows.cancelWaiting(job.id(), clock.instant())).map(CancelOutcome.Cancelled::new);
            case RUNNING ->
                job.cancelRequested()
                        ? Optional.of(new CancelOutcome.Requested(job))
                        : db.write(() -> arrows.requestCancel(job.id(), clock.instant()))
                                .map(CancelOutcome.Requested::new);
            case CANCELLED -> Optional.of(new CancelOutcome.AlreadyCancelled(job));
            case SUCCEEDED, FAILED -> Optional.of(new CancelOutcome.AlreadyFinished(job));
        };
    }

    public sealed interface RetryOutcome {
        Job job();

        record Requeued(Job job) implements RetryOutcome {}

        /** Only failed or cancelled jobs can be retried. */
        record NotRetryable(Job job) implements RetryOutcome {}
    }

    /** Puts a failed or cancelled job back in the queue with fresh attempts. Empty when there is no such job. */
    public Optional<RetryOutcome> retry(String id, User viewer) {
        return retry(id, viewer, owner -> {});
    }

    /**
     * As {@link #retry(String, User)}; {@code admit} gets the job's owner in the transaction just
     * before the job would be queued again, and refuses it by throwing: then nothing changes.
     */
    public Optional<RetryOutcome> retry(String id, User viewer, Consumer<String> admit) {
        return decideAgainOnRace(id, viewer, "retry", job -> {
            if (!Transition.MANUAL_RETRY.from().contains(job.state())) {
                return Optional.of(new RetryOutcome.NotRetryable(job));
            }
            return db.write(() -> {
                        admit.accept(job.ownerId());
                        long fairKey = inserts.firstFairKey(job.ownerId(), job.type(), job.priority());
                        return arrows.manualRetry(job.id(), fairKey, clock.instant());
                    })
                    .map(RetryOutcome.Requeued::new);
        });
    }

    /** The stored result document of a job {@code viewer} may see. */
    public Optional<String> result(String id, User viewer) {
        return find(id, viewer).flatMap(job -> resultById(id));
    }

    /** The stored result document of any job, whoever owns it (background work only). */
    public Optional<String> resultById(String id) {
        return db.sql()
                .sql("SELECT body FROM job_results WHERE job_id = ?")
                .param(id)
                .query(String.class)
                .optional();
    }

    /** Forgets Idempotency-Keys older than the retention. */
    public int pruneIdempotencyKeys(Instant before) {
        return db.write(() -> db.sql()
                .sql("DELETE FROM idempotency_keys WHERE created_at < ?")
                .param(before.toEpochMilli())
                .update());
    }
}
