package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.limits.LimitSettings;
import dev.kiln.support.Ids;
import dev.kiln.support.Texts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker side of the queue: claim under a lease, renew leases, and write what running jobs
 * report. Every write carries the lease token of the attempt that makes it and matches no row
 * once that attempt has lost its lease, so a zombie worker can never overwrite a newer attempt.
 * Writes are batched: one transaction for many jobs.
 */
@Component
public class JobQueue {

    private static final String RETURNING_SEQ = " RETURNING seq, owner_id, type, started_at";
    /**
     * A job row whose seq a write moved on: the new seq, whose job it is (for the events), its type
     * and when its attempt started (for the metrics; null once released).
     */
    private record Bumped(long seq, String owner, String type, Long startedAt) {
    }

    private static final RowMapper<Bumped> BUMPED = (rs, n) -> new Bumped(rs.getLong("seq"), rs.getString("owner_id"),
            rs.getString("type"), dev.kiln.db.Rows.nullableLong(rs, "started_at"));
    private static final int MAX_STAGE = 200;
    private static final int MAX_MESSAGE = 2000;
    /**
     * How many claimable jobs a capped claim looks at per job it wants: owners at their limit
     * within the batch would otherwise leave it short.
     */
    private static final int CANDIDATES_PER_CLAIMED = 4;
    private static final String CLAIM_RETURNING =
            "id, owner_id, type, input_file_id, params, attempt, max_attempts, seq, lease_token, run_after";

    private final Database db;
    private final EventLog events;
    private final JsonMapper json;
    private final Clock clock;
    private final RetryPolicy retryPolicy;
    private final FileCatalog files;
    private final LimitSettings limits;
    private final JobMetrics metrics;

    public JobQueue(Database db, EventLog events, JsonMapper json, Clock clock, RetryPolicy retryPolicy, FileCatalog files,
            LimitSettings limits, JobMetrics metrics) {
        this.db = db;
        this.events = events;
        this.json = json;
        this.clock = clock;
        this.retryPolicy = retryPolicy;
        this.files = files;
        this.limits = limits;
        this.metrics = metrics;
    }

    /**
     * A job this node now runs, under {@code leaseToken}.
     *
     * @param input the input file, or null if it no longer exists
     */
    public record Claim(String id, String ownerId, String type, String inputFileId, FileInfo input, JsonNode params,
            int attempt, int maxAttempts, String leaseToken) {
    }

    /**
     * Claims up to {@code limit} jobs of {@code type}, highest priority first, then in fair order
     * (oldest first, owners interleaved), in one statement.
     */
    public List<Claim> claim(String type, int limit, String node, Duration lease) {
        long now = clock.millis();
        String token = Ids.randomToken(26);
        return db.write(() -> {
            List<Claim> claims = new ArrayList<>();
            List<JobEvent> running = new ArrayList<>();
            JdbcClient.StatementSpec statement = claimStatement(type, limit);
            if (statement == null) {
                return List.of();
            }
            statement
                    .param("token", token)
                    .param("node", node)
                    .param("leaseUntil", now + lease.toMillis())
                    .param("now", now)
                    .param("type", type)
                    .param("limit", limit)
                    .query(rs -> {
                        Claim claim = new Claim(rs.getString("id"), rs.getString("owner_id"), rs.getString("type"),
                                rs.getString("input_file_id"), null, json.readTree(rs.getString("params")),
                                rs.getInt("attempt"), rs.getInt("max_attempts"), rs.getString("lease_token"));
                        claims.add(claim);
                        running.add(StateEvents.event(claim.id(), claim.ownerId(), rs.getLong("seq"),
                                StateEvents.data(JobState.RUNNING, claim.attempt()), now));
                        // run_after is when the job became claimable: at submission, retry or release.
                        Duration waited = Duration.ofMillis(now - rs.getLong("run_after"));
                        db.afterCommit(() -> metrics.started(claim.type(), waited));
                    });
            events.append(running);
            // Looked up in the claim's transaction: if this fails, the claim is undone, never half-made.
            Map<String, FileInfo> inputs = files.findByIds(claims.stream().map(Claim::inputFileId).toList());
            return claims.stream()
                    .map(c -> new Claim(c.id(), c.ownerId(), c.type(), c.inputFileId(), inputs.get(c.inputFileId()),
                            c.params(), c.attempt(), c.maxAttempts(), c.leaseToken()))
                    .toList();
        });
    }

    /**
     * The claim statement: plain, or with each owner held to {@code kiln.limits.max-running-jobs}
     * (their other jobs stay queued, in order, and are taken as their running ones end). Null when
     * there is nothing to claim.
     */
    private JdbcClient.StatementSpec claimStatement(String type, int limit) {
        int maxRunning = limits.maxRunningJobs();
        if (maxRunning <= 0) {
            return db.sql().sql(db.dialect().claimJobsSql(JobTransitions.CLAIMABLE, CLAIM_RETURNING));
        }
        int window = limit * CANDIDATES_PER_CLAIMED;
        JdbcClient.StatementSpec statement = db.sql().sql(db.dialect().claimJobsCappedSql(JobTransitions.CLAIMABLE, CLAIM_RETURNING))
                .param("maxRunning", maxRunning)
                .param("window", window);
        if (!db.dialect().serializesWrites()) {
            // Claimers on other nodes could count an owner's room at the same moment: the owners
            // this claim may take from are locked first, so their counts stay true until it commits.
            List<String> owners = db.sql().sql(CANDIDATE_OWNERS)
                    .param("type", type).param("maxRunning", maxRunning).param("window", window)
                    .query(String.class).list();
            if (owners.isEmpty()) {
                return null;
            }
            db.lockUntilCommit(LockSpace.RUNNING_JOBS, owners);
            statement = statement.param("owners", owners);
        }
        return statement;
    }

    /** The owners of the first claimable jobs in queue order, leaving out those already at their running limit. */
    private static final String CANDIDATE_OWNERS = """
            SELECT DISTINCT owner_id FROM (
                SELECT owner_id FROM jobs
                WHERE %s AND type = :type
                  AND owner_id NOT IN (SELECT owner_id FROM jobs WHERE state = 'running'
                                       GROUP BY owner_id HAVING count(*) >= :maxRunning)
                ORDER BY priority DESC, fair_key, id
                LIMIT :window) candidates""".formatted(JobTransitions.CLAIMABLE);

    /** A lease this node holds, as the database sees it now. */
    public record Lease(String jobId, String token, Instant cancelRequestedAt) {
    }

    /**
     * Extends the leases of the jobs {@code node} runs ({@code jobIds}); returns those still held,
     * with any cancel requests. A job missing from the answer is no longer this node's.
     */
    public List<Lease> renew(String node, Collection<String> jobIds, Duration lease) {
        if (jobIds.isEmpty()) {
            return List.of();
        }
        long until = clock.millis() + lease.toMillis();
        // One row at a time in job id order, the lock order of every other batch: no deadlocks.
        List<String> ids = jobIds.stream().sorted().toList();
        return db.write(() -> {
            List<Lease> held = new ArrayList<>(ids.size());
            for (String id : ids) {
                db.sql().sql("""
                                UPDATE jobs SET lease_expires_at = ?
                                WHERE id = ? AND state = 'running' AND lease_node = ?
                                RETURNING id, lease_token, cancel_requested_at""")
                        .params(until, id, node)
                        .query((rs, n) -> new Lease(rs.getString("id"), rs.getString("lease_token"),
                                dev.kiln.db.Rows.instant(rs, "cancel_requested_at")))
                        .optional()
                        .ifPresent(held::add);
            }
            return held;
        });
    }

    /** Something a running attempt reports, valid only while its lease token is current. */
    public sealed interface Write {
        String jobId();

        String token();
    }

    /** @param remaining the processor's estimate of the time left; null when unknown */
    public record Progress(String jobId, String token, double progress, String stage, Duration remaining) implements Write {

        public Progress(String jobId, String token, double progress, String stage) {
            this(jobId, token, progress, stage, null);
        }

    }

    public record Partial(String jobId, String token, JsonNode data) implements Write {
    }

    /**
     * The end of an attempt.
     *
     * @param expiredBefore if set, applies only while the lease is still expired at that time
     *                      (a rescue must not touch a job whose worker renewed or finished it)
     */
    public record Finish(String jobId, String token, Outcome outcome, Long expiredBefore) implements Write {
        public Finish(String jobId, String token, Outcome outcome) {
            this(jobId, token, outcome, null);
        }
    }

    public sealed interface Outcome {
        JobState target();

        int attempt();
    }

    /** @param result JSON document of the result, or null for none */
    public record Succeeded(int attempt, String result) implements Outcome {
        public JobState target() {
            return JobState.SUCCEEDED;
        }
    }

    /** @param target {@link JobState#RETRY_SCHEDULED} (after {@code runAfter}) or {@link JobState#FAILED} */
    public record Failed(JobError error, int attempt, JobState target, Instant runAfter) implements Outcome {
    }

    public record Cancelled(int attempt) implements Outcome {
        public JobState target() {
            return JobState.CANCELLED;
        }
    }

    /** Given back unfinished (the node is shutting down): queued again at once, the attempt not counted. */
    public record Released(int attempt) implements Outcome {
        public JobState target() {
            return JobState.QUEUED;
        }
    }

    /** The failure outcome of attempt {@code attempt}: retry after a backoff, or fail for good. */
    public Failed failure(JobError error, int attempt, int maxAttempts) {
        if (retryPolicy.shouldRetry(error, attempt, maxAttempts)) {
            return new Failed(error, attempt, JobState.RETRY_SCHEDULED, clock.instant().plus(retryPolicy.backoff(attempt)));
        }
        return new Failed(error, attempt, JobState.FAILED, null);
    }

    /**
     * Applies {@code writes} in order in one transaction.
     *
     * @return for each write, whether it was accepted (false: the lease is no longer current)
     */
    public List<Boolean> apply(List<? extends Write> writes) {
        long now = clock.millis();
        return db.write(() -> {
            // Rows are locked in job id order (stable, so one job's writes keep their order): two
            // batches touching the same jobs can then never deadlock on PostgreSQL.
            Integer[] order = new Integer[writes.size()];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.comparing(i -> writes.get(i).jobId()));
            Boolean[] accepted = new Boolean[writes.size()];
            List<JobEvent> appended = new ArrayList<>();
            for (int i : order) {
                Optional<Bumped> bumped = switch (writes.get(i)) {
                    case Progress p -> progress(p, now, appended);
                    case Partial p -> partial(p, now, appended);
                    case Finish f -> finish(f, now, appended);
                };
                accepted[i] = bumped.isPresent();
            }
            events.append(appended);
            return List.of(accepted);
        });
    }

    private Optional<Bumped> progress(Progress p, long now, List<JobEvent> appended) {
        Long etaAt = p.remaining() == null ? null : now + Math.max(0, p.remaining().toMillis());
        Optional<Bumped> bumped = db.sql().sql("""
                        UPDATE jobs SET progress = ?, stage = ?, eta_at = ?, seq = seq + 1
                        WHERE id = ? AND lease_token = ? AND state = 'running'""" + RETURNING_SEQ)
                .params(p.progress(), Texts.safe(p.stage(), MAX_STAGE), etaAt, p.jobId(), p.token())
                .query(BUMPED).optional();
        bumped.ifPresent(b -> {
            ObjectNode data = json.createObjectNode();
            data.put("progress", p.progress());
            data.put("stage", Texts.safe(p.stage(), MAX_STAGE));
            if (etaAt != null) {
                data.put("eta", Instant.ofEpochMilli(etaAt).toString());
            }
            appended.add(new JobEvent(p.jobId(), b.owner(), b.seq(), EventKind.PROGRESS, data, Instant.ofEpochMilli(now)));
        });
        return bumped;
    }

    private Optional<Bumped> partial(Partial p, long now, List<JobEvent> appended) {
        Optional<Bumped> bumped = db.sql().sql("""
                        UPDATE jobs SET seq = seq + 1
                        WHERE id = ? AND lease_token = ? AND state = 'running'""" + RETURNING_SEQ)
                .params(p.jobId(), p.token())
                .query(BUMPED).optional();
        bumped.ifPresent(b -> appended.add(
                new JobEvent(p.jobId(), b.owner(), b.seq(), EventKind.PARTIAL, p.data(), Instant.ofEpochMilli(now))));
        return bumped;
    }

    private Optional<Bumped> finish(Finish f, long now, List<JobEvent> appended) {
        if (!JobTransitions.allowed(JobState.RUNNING, f.outcome().target())) {
            throw new IllegalArgumentException("an attempt cannot end in " + f.outcome().target());
        }
        String guard = " WHERE id = :id AND lease_token = :token AND state = 'running'"
                + (f.expiredBefore() != null ? " AND lease_expires_at < :expiredBefore" : "");
        String releaseLease = "lease_token = NULL, lease_node = NULL, lease_expires_at = NULL, cancel_requested_at = NULL, stage = NULL, eta_at = NULL";
        Instant ts = Instant.ofEpochMilli(now);
        return switch (f.outcome()) {
            case Succeeded s -> {
                int eventCount = s.result() == null ? 1 : 2;
                Long resultSize = s.result() == null ? null : (long) s.result().getBytes(StandardCharsets.UTF_8).length;
                Optional<Bumped> seq = guarded(f, now, """
                        UPDATE jobs SET state = 'succeeded', progress = 1, finished_at = :now, result_size = :resultSize,
                               seq = seq + :events, %s""".formatted(releaseLease) + guard + RETURNING_SEQ)
                        .param("resultSize", resultSize)
                        .param("events", eventCount)
                        .query(BUMPED).optional();
                seq.ifPresent(b -> {
                    long last = b.seq();
                    if (s.result() != null) {
                        db.sql().sql("INSERT INTO job_results (job_id, body, created_at) VALUES (?, ?, ?)")
                                .params(f.jobId(), s.result(), now).update();
                        ObjectNode ref = json.createObjectNode();
                        ref.put("href", Job.resultHref(f.jobId()));
                        ref.put("size", resultSize);
                        appended.add(new JobEvent(f.jobId(), b.owner(), last - 1, EventKind.RESULT, ref, ts));
                    }
                    appended.add(StateEvents.event(f.jobId(), b.owner(), last, StateEvents.data(JobState.SUCCEEDED, s.attempt()), now));
                    countEnd(f, b, now);
                });
                yield seq;
            }
            case Failed failed -> {
                JobError error = new JobError(Texts.safe(failed.error().code(), 64),
                        Texts.safe(failed.error().message(), MAX_MESSAGE), failed.error().retryable());
                Optional<Bumped> seq = guarded(f, now, """
                        UPDATE jobs SET state = :target, error_code = :code, error_message = :message,
                               error_retryable = :retryable, run_after = :runAfter,
                               finished_at = :finishedAt, seq = seq + 2, %s""".formatted(releaseLease) + guard
                        + cancelNotPending(failed.target()) + RETURNING_SEQ)
                        .param("target", failed.target().wire())
                        .param("code", error.code())
                        .param("message", error.message())
                        .param("retryable", error.retryable())
                        .param("runAfter", failed.runAfter() == null ? now : failed.runAfter().toEpochMilli())
                        .param("finishedAt", failed.target() == JobState.FAILED ? now : null)
                        .query(BUMPED).optional();
                seq.ifPresent(b -> {
                    long last = b.seq();
                    ObjectNode data = json.createObjectNode();
                    data.put("code", error.code());
                    data.put("message", error.message());
                    data.put("retryable", error.retryable());
                    data.put("attempt", failed.attempt());
                    appended.add(new JobEvent(f.jobId(), b.owner(), last - 1, EventKind.ERROR, data, ts));
                    ObjectNode state = StateEvents.data(failed.target(), failed.attempt());
                    if (failed.runAfter() != null) {
                        state.put("retryAt", failed.runAfter().toString());
                    }
                    appended.add(StateEvents.event(f.jobId(), b.owner(), last, state, now));
                    countEnd(f, b, now);
                });
                yield seq.isPresent() ? seq : cancelInstead(f, now, appended);
            }
            case Cancelled c -> {
                Optional<Bumped> seq = guarded(f, now, """
                        UPDATE jobs SET state = 'cancelled', finished_at = :now, seq = seq + 1, %s"""
                        .formatted(releaseLease) + guard + RETURNING_SEQ)
                        .query(BUMPED).optional();
                seq.ifPresent(b -> {
                    appended.add(StateEvents.event(f.jobId(), b.owner(), b.seq(), StateEvents.data(JobState.CANCELLED, c.attempt()), now));
                    countEnd(f, b, now);
                });
                yield seq;
            }
            case Released r -> {
                Optional<Bumped> seq = guarded(f, now, """
                        UPDATE jobs SET state = 'queued', attempt = attempt - 1, run_after = :now, started_at = NULL,
                               progress = 0, seq = seq + 1, %s""".formatted(releaseLease) + guard
                        + cancelNotPending(JobState.QUEUED) + RETURNING_SEQ)
                        .query(BUMPED).optional();
                seq.ifPresent(b -> {
                    long last = b.seq();
                    ObjectNode state = StateEvents.data(JobState.QUEUED, r.attempt() - 1);
                    state.put("reason", "released");
                    appended.add(StateEvents.event(f.jobId(), b.owner(), last, state, now));
                    countEnd(f, b, now);
                });
                yield seq.isPresent() ? seq : cancelInstead(f, now, appended);
            }
        };
    }

    /** Counts an accepted end of an attempt once its transaction commits; a rescue is one that waited on an expired lease. */
    private void countEnd(Finish f, Bumped b, long now) {
        Duration ran = b.startedAt() == null ? null : Duration.ofMillis(now - b.startedAt());
        JobState target = f.outcome().target();
        boolean rescue = f.expiredBefore() != null;
        db.afterCommit(() -> metrics.attemptEnded(b.type(), target, ran, rescue));
    }

    /** An attempt that would run again must not: a cancel was asked for meanwhile. */
    private static String cancelNotPending(JobState target) {
        return target == JobState.RETRY_SCHEDULED || target == JobState.QUEUED ? " AND cancel_requested_at IS NULL" : "";
    }

    /**
     * When a retry or a release missed only because a cancel is pending, the attempt ends as
     * cancelled instead (still guarded by its lease), so an accepted cancel is never undone.
     */
    private Optional<Bumped> cancelInstead(Finish f, long now, List<JobEvent> appended) {
        if (!(f.outcome() instanceof Released) && !(f.outcome() instanceof Failed failed && failed.target() == JobState.RETRY_SCHEDULED)) {
            return Optional.empty();
        }
        return finish(new Finish(f.jobId(), f.token(), new Cancelled(f.outcome().attempt()), f.expiredBefore()), now, appended);
    }

    private JdbcClient.StatementSpec guarded(Finish f, long now, String sql) {
        var statement = db.sql().sql(sql)
                .param("id", f.jobId())
                .param("token", f.token())
                .param("now", now);
        if (f.expiredBefore() != null) {
            statement = statement.param("expiredBefore", f.expiredBefore());
        }
        return statement;
    }

    /** A job that waited out its backoff and is claimable again. */
    public record Promoted(String id, String type) {
    }

    /**
     * Moves up to {@code limit} retries whose backoff has ended back to queued. One row at a time in
     * id order (the lock order of every batch), each conditional on still waiting.
     */
    public List<Promoted> promoteDueRetries(Instant now, int limit) {
        List<String> due = db.sql().sql(
                        "SELECT id FROM jobs WHERE state = 'retry_scheduled' AND run_after <= ? ORDER BY run_after LIMIT ?")
                .params(now.toEpochMilli(), limit)
                .query(String.class).list();
        if (due.isEmpty()) {
            return List.of();
        }
        JobTransitions.check(JobState.RETRY_SCHEDULED, JobState.QUEUED);
        long millis = now.toEpochMilli();
        return db.write(() -> {
            List<Promoted> promoted = new ArrayList<>();
            List<JobEvent> queued = new ArrayList<>();
            for (String id : due.stream().sorted().toList()) {
                db.sql().sql("""
                                UPDATE jobs SET state = 'queued', seq = seq + 1
                                WHERE id = ? AND state = 'retry_scheduled' AND run_after <= ?
                                RETURNING id, type, seq, attempt, owner_id""")
                        .params(id, millis)
                        .query((rs, n) -> {
                            ObjectNode data = StateEvents.data(JobState.QUEUED, rs.getInt("attempt"));
                            data.put("reason", "retry_due");
                            queued.add(StateEvents.event(rs.getString("id"), rs.getString("owner_id"), rs.getLong("seq"), data, millis));
                            return new Promoted(rs.getString("id"), rs.getString("type"));
                        })
                        .optional()
                        .ifPresent(promoted::add);
            }
            events.append(queued);
            return promoted;
        });
    }

    /** A running job whose lease ran out or whose cancel is overdue, as found by maintenance. */
    public record Stale(String id, String token, int attempt, int maxAttempts, boolean cancelRequested) {
    }

    /** Running jobs whose lease expired before {@code now}: their worker stopped renewing. */
    public List<Stale> expiredLeases(Instant now, int limit) {
        return stale("lease_expires_at < ? ORDER BY lease_expires_at", now.toEpochMilli(), limit);
    }

    /** Running jobs asked to cancel before {@code cutoff} that still have not stopped. */
    public List<Stale> overdueCancels(Instant cutoff, int limit) {
        return stale("cancel_requested_at < ? ORDER BY cancel_requested_at", cutoff.toEpochMilli(), limit);
    }

    private List<Stale> stale(String condition, long time, int limit) {
        return db.sql().sql("SELECT id, lease_token, attempt, max_attempts, cancel_requested_at FROM jobs"
                        + " WHERE state = 'running' AND " + condition + " LIMIT ?")
                .params(time, limit)
                .query((rs, n) -> new Stale(rs.getString("id"), rs.getString("lease_token"), rs.getInt("attempt"),
                        rs.getInt("max_attempts"), rs.getObject("cancel_requested_at") != null))
                .list();
    }
}
