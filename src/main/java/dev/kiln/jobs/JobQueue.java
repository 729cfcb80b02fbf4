package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.support.Ids;
import dev.kiln.support.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker side of the queue: claim under a lease, renew leases, and write what running jobs
 * report, through the arrows of {@link JobStateMachine}. Every write carries the lease token of the
 * attempt that makes it and matches no row once that attempt has lost its lease, so a zombie worker
 * can never overwrite a newer attempt. Writes are batched: one transaction for many jobs.
 */
@Component
public class JobQueue {

    private static final int MAX_STAGE = 200;
    private static final int MAX_MESSAGE = 2000;
    private static final int MAX_CODE = 64;

    private final Database db;
    private final JobStateMachine arrows;
    private final JsonMapper json;
    private final Clock clock;
    private final RetryPolicy retryPolicy;
    private final FileCatalog files;

    public JobQueue(
            Database db,
            JobStateMachine arrows,
            JsonMapper json,
            Clock clock,
            RetryPolicy retryPolicy,
            FileCatalog files) {
        this.db = db;
        this.arrows = arrows;
        this.json = json;
        this.clock = clock;
        this.retryPolicy = retryPolicy;
        this.files = files;
    }

    /**
     * A job this node now runs, under {@code leaseToken}.
     *
     * @param input the input file, or null if it no longer exists or the job has none ({@code inputFileId} null)
     */
    public record Claim(
            String id,
            String ownerId,
            String type,
            String inputFileId,
            FileInfo input,
            JsonNode params,
            int attempt,
            int maxAttempts,
            String leaseToken) {}

    /**
     * Claims up to {@code limit} jobs of {@code type}, highest priority first, then in fair order
     * (oldest first, owners interleaved), in one statement and a transaction of its own.
     */
    public List<Claim> claim(String type, int limit, String node, Duration lease) {
        return apply(new Batch(List.of(), null, List.of(new ClaimRequest(type, limit, node, lease))))
                .claimed()
                .getFirst();
    }

    /** Jobs to claim in a batch: up to {@code limit} of {@code type}, for {@code node}, under a new lease of {@code lease}. */
    public record ClaimRequest(String type, int limit, String node, Duration lease) {}

    private List<Claim> claim(ClaimRequest request, Instant now) {
        String token = Ids.randomToken(26);
        List<JobStateMachine.Claimed> claimed = arrows.claim(
                request.type(),
                request.limit(),
                request.node(),
                token,
                now.plus(request.lease()).toEpochMilli(),
                now);
        if (claimed.isEmpty()) {
            return List.of();
        }
        // Looked up in the claim's transaction: if this fails, the claim is undone, never half-made.
        Map<String, FileInfo> inputs = files.findByIds(claimed.stream()
                .map(JobStateMachine.Claimed::inputFileId)
                .filter(Objects::nonNull)
                .toList());
        return claimed.stream()
                .map(c -> new Claim(
                        c.job().id(),
                        c.job().ownerId(),
                        c.job().type(),
                        c.inputFileId(),
                        c.inputFileId() == null ? null : inputs.get(c.inputFileId()),
                        json.readTree(c.params()),
                        c.job().attempt(),
                        c.maxAttempts(),
                        c.leaseToken()))
                .toList();
    }

    /** A lease this node holds, as the database sees it now. */
    public record Lease(String jobId, String token, Instant cancelRequestedAt) {}

    /**
     * Extends the leases {@code node}'s attempts hold ({@code tokens}: each job's lease token); returns
     * those still held, with any cancel requests. A job missing from the answer is no longer this
     * attempt's: rescued, ended, or claimed again under another lease (even by this node).
     */
    public List<Lease> renew(String node, Map<String, String> tokens, Duration lease) {
        return apply(new Batch(List.of(), new Renewal(node, tokens, lease), List.of()))
                .leases();
    }

    /** The leases to extend along with a batch of writes (a node's heartbeat): each job's lease token. */
    public record Renewal(String node, Map<String, String> tokens, Duration lease) {}

    /** Something a running attempt reports, valid only while its lease token is current. */
    public sealed interface Write {
        String jobId();

        String token();
    }

    /** @param remaining the processor's estimate of the time left; null when unknown */
    public record Progress(String jobId, String token, double progress, String stage, Duration remaining)
            implements Write {

        public Progress(String jobId, String token, double progress, String stage) {
            this(jobId, token, progress, stage, null);
        }
    }

    public record Partial(String jobId, String token, JsonNode data) implements Write {}

    /**
     * The end of an attempt.
     *
     * @param expiredBefore applies only while the lease is still expired at that time (a rescue must
     *                      not touch a job whose worker renewed or finished it); a worker's own end
     *                      passes {@link Long#MAX_VALUE}
     */
    public record Finish(String jobId, String token, Outcome outcome, long expiredBefore) implements Write {
        public Finish(String jobId, String token, Outcome outcome) {
            this(jobId, token, outcome, Long.MAX_VALUE);
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
    public record Failed(JobError error, int attempt, JobState target, Instant runAfter) implements Outcome {}

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

    /**
     * What a node writes in one transaction: the writes of its running attempts, its lease renewals
     * (may be null) and the jobs it claims.
     */
    public record Batch(List<? extends Write> writes, Renewal renewal, List<ClaimRequest> claims) {}

    /**
     * What a batch did: per write whether it was accepted (false: its lease is no longer current),
     * the leases renewed, and per claim request the jobs claimed.
     */
    public record Applied(List<Boolean> accepted, List<Lease> leases, List<List<Claim>> claimed) {}

    /**
     * Applies {@code writes} in one transaction, in their order per job.
     *
     * @return for each write, whether it was accepted (false: the lease is no longer current)
     */
    public List<Boolean> apply(List<? extends Write> writes) {
        return apply(new Batch(writes, null, List.of())).accepted();
    }

    /** Applies a batch in one transaction: renewals, then the writes in their order per job, then the claims. */
    public Applied apply(Batch batch) {
        Instant now = clock.instant();
        return db.write(() -> {
            Renewal renewal = batch.renewal();
            List<Lease> leases = renewal == null || renewal.tokens().isEmpty()
                    ? List.of()
                    : arrows.renew(
                            renewal.node(),
                            renewal.tokens(),
                            now.plus(renewal.lease()).toEpochMilli());
            List<? extends Write> writes = batch.writes();
            List<Boolean> accepted = new ArrayList<>(writes.size());
            for (int from = 0; from < writes.size(); ) {
                WriteBatch run = WriteBatch.from(writes, from, this::safe);
                accepted.addAll(run.apply(arrows, retryPolicy, now));
                from += run.size();
            }
            List<List<Claim>> claimed =
                    batch.claims().stream().map(request -> claim(request, now)).toList();
            return new Applied(accepted, leases, claimed);
        });
    }

    /** What is stored of a write: stage, error code and message kept to their bounds and to text UTF-8 can carry. */
    private Write safe(Write write) {
        return switch (write) {
            case Progress p ->
                new Progress(p.jobId(), p.token(), p.progress(), Texts.safe(p.stage(), MAX_STAGE), p.remaining());
            case Finish f
            when f.outcome() instanceof Failed failed ->
                new Finish(
                        f.jobId(),
                        f.token(),
                        new Failed(
                                new JobError(
                                        Texts.safe(failed.error().code(), MAX_CODE),
                                        Texts.safe(failed.error().message(), MAX_MESSAGE),
                                        failed.error().retryable()),
                                failed.attempt(),
                                failed.target(),
                                failed.runAfter()),
                        f.expiredBefore());
            default -> write;
        };
    }

    /** Moves up to {@code limit} retries whose backoff has ended back to queued. */
    public List<Moved> promoteDueRetries(Instant now, int limit) {
        List<String> due = db.sql()
                .sql(
                        "SELECT id FROM jobs WHERE state = 'retry_scheduled' AND run_after <= ? ORDER BY run_after LIMIT ?")
                .params(now.toEpochMilli(), limit)
                .query(String.class)
                .list();
        return due.isEmpty() ? List.of() : db.write(() -> arrows.promote(due, now));
    }

    /**
     * A job as its current attempt's holder sees it: whose lease it is under ({@code node}, null
     * when not running) and what the attempt needs to end.
     */
    public record Held(
            String id,
            String type,
            JobState state,
            String node,
            String token,
            Instant leaseExpiresAt,
            int attempt,
            int maxAttempts,
            boolean cancelRequested,
            String inputFileId) {}

    private static final String HELD = "SELECT id, type, state, lease_node, lease_token, lease_expires_at, attempt,"
            + " max_attempts, cancel_requested_at, input_file_id FROM jobs WHERE id ";

    private static final RowMapper<Held> HELD_ROWS = (rs, n) -> new Held(
            rs.getString("id"),
            rs.getString("type"),
            JobState.fromWire(rs.getString("state")),
            rs.getString("lease_node"),
            rs.getString("lease_token"),
            Rows.instant(rs, "lease_expires_at"),
            rs.getInt("attempt"),
            rs.getInt("max_attempts"),
            rs.getObject("cancel_requested_at") != null,
            rs.getString("input_file_id"));

    /** For Kiln's own use (external workers' calls), never for answering a client about a job. */
    public Optional<Held> held(String jobId) {
        if (!Ids.looksLike("job", jobId)) {
            return Optional.empty();
        }
        return db.sql().sql(HELD + "= ?").params(jobId).query(HELD_ROWS).optional();
    }

    /** {@link #held(String)} of many jobs in one statement; ids that are no job are left out. */
    public Map<String, Held> held(Collection<String> jobIds) {
        List<String> ids =
                jobIds.stream().filter(id -> Ids.looksLike("job", id)).toList();
        Map<String, Held> held = new HashMap<>();
        if (!ids.isEmpty()) {
            db.sql()
                    .sql(HELD + "IN (:ids)")
                    .param("ids", ids)
                    .query(HELD_ROWS)
                    .list()
                    .forEach(h -> held.put(h.id(), h));
        }
        return held;
    }

    /** The running jobs {@code node} holds that were asked to cancel, at most {@code limit}. */
    public List<String> cancelRequested(String node, int limit) {
        return db.sql()
                .sql("SELECT id FROM jobs WHERE state = 'running' AND cancel_requested_at IS NOT NULL"
                        + " AND lease_node = ? ORDER BY id LIMIT ?")
                .params(node, limit)
                .query(String.class)
                .list();
    }

    /** A running job whose lease ran out or whose cancel is overdue, as found by maintenance. */
    public record Stale(String id, String token, int attempt, int maxAttempts, boolean cancelRequested) {}

    /** Running jobs whose lease expired before {@code now}: their worker stopped renewing. */
    public List<Stale> expiredLeases(Instant now, int limit) {
        return stale("lease_expires_at < ? ORDER BY lease_expires_at", now.toEpochMilli(), limit);
    }

    /** Running jobs asked to cancel before {@code cutoff} that still have not stopped. */
    public List<Stale> overdueCancels(Instant cutoff, int limit) {
        return stale("cancel_requested_at < ? ORDER BY cancel_requested_at", cutoff.toEpochMilli(), limit);
    }

    /** Running jobs of {@code type} whose attempt started before {@code startedBefore}: over their time limit. */
    public List<Stale> overrunning(String type, Instant startedBefore, int limit) {
        return stale("type = ? AND started_at < ? ORDER BY started_at", type, startedBefore.toEpochMilli(), limit);
    }

    private List<Stale> stale(String condition, Object... params) {
        return db.sql()
                .sql("SELECT id, lease_token, attempt, max_attempts, cancel_requested_at FROM jobs"
                        + " WHERE state = 'running' AND " + condition + " LIMIT ?")
                .params(params)
                .query((rs, n) -> new Stale(
                        rs.getString("id"),
                        rs.getString("lease_token"),
                        rs.getInt("attempt"),
                        rs.getInt("max_attempts"),
                        rs.getObject("cancel_requested_at") != null))
                .list();
    }
}
