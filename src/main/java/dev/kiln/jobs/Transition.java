package dev.kiln.jobs;

import static dev.kiln.jobs.JobState.CANCELLED;
import static dev.kiln.jobs.JobState.FAILED;
import static dev.kiln.jobs.JobState.QUEUED;
import static dev.kiln.jobs.JobState.RETRY_SCHEDULED;
import static dev.kiln.jobs.JobState.RUNNING;
import static dev.kiln.jobs.JobState.SUCCEEDED;

import dev.kiln.db.EachRow;
import dev.kiln.db.ParamType;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The job state machine's table: every arrow of the diagram in {@code docs/architecture.md}, with
 * the states it leaves from, the state it leads to, and the guards its UPDATE carries. It is the
 * mechanism, not a check beside it: {@link JobStateMachine} builds each arrow's statement from
 * {@link #where()}, so a job in any other state, or held under another lease, matches no row.
 */
public enum Transition {
    /** A new job. The one arrow that is an INSERT: it has no source state. */
    SUBMIT(Set.of(), QUEUED),
    /**
     * A new job that takes an earlier succeeded job's result instead of running (same owner, input
     * content, processor, engine version and params): an INSERT, succeeded at once.
     */
    SUBMIT_REUSED(Set.of(), SUCCEEDED),
    /** A worker takes a claimable job under a new lease (the claim statement, per dialect). */
    CLAIM(Set.of(QUEUED), RUNNING),
    /** The attempt holding the lease, on its node, extends it (and learns of a cancel request). */
    RENEW(Set.of(RUNNING), RUNNING, Guard.NODE, Guard.LEASE),
    /** A running attempt reports progress or partial results. */
    REPORT(Set.of(RUNNING), RUNNING, Guard.LEASE),
    /** A client asks a running job to stop; its worker is told. */
    REQUEST_CANCEL(Set.of(RUNNING), RUNNING, Guard.NO_CANCEL_REQUEST),
    /** The attempt returned a result. */
    SUCCEED(Set.of(RUNNING), SUCCEEDED, Guard.LEASE),
    /** The attempt failed retryably (or its lease expired) with attempts left: wait out a backoff. */
    RETRY(Set.of(RUNNING), RETRY_SCHEDULED, Guard.LEASE, Guard.NO_CANCEL_REQUEST),
    /** The attempt failed for good: a permanent error, or out of attempts. */
    FAIL(Set.of(RUNNING), FAILED, Guard.LEASE, Guard.NO_CANCEL_REQUEST),
    /** A cancel was honoured, enforced after its bound, or found pending when the attempt ended. */
    CANCEL_RUNNING(Set.of(RUNNING), CANCELLED, Guard.LEASE),
    /** Given back unfinished at shutdown: claimable again at once, the attempt not counted. */
    RELEASE(Set.of(RUNNING), QUEUED, Guard.LEASE, Guard.NO_CANCEL_REQUEST),
    /** A client cancels a job that is not running: at once. */
    CANCEL_WAITING(Set.of(QUEUED, RETRY_SCHEDULED), CANCELLED),
    /** Maintenance queues a retry whose backoff has passed. */
    PROMOTE(Set.of(RETRY_SCHEDULED), QUEUED, Guard.DUE),
    /** A client puts a failed or cancelled job back in the queue with fresh attempts. */
    MANUAL_RETRY(Set.of(FAILED, CANCELLED), QUEUED);

    /** A condition an arrow's UPDATE carries besides the source states. */
    public enum Guard {
        /**
         * The attempt's lease: its token, and, for maintenance acting for a dead worker, that the
         * lease is still expired at the time it looked ({@code :expiredBefore}; a worker passes
         * {@link Long#MAX_VALUE}), so a lease renewed meanwhile is left alone.
         */
        LEASE("lease_token = :token AND lease_expires_at < :expiredBefore"),
        /** The lease is this node's. */
        NODE("lease_node = :node"),
        /** No cancel is pending: a cancel accepted is never undone by running the job again, nor turned into a failure. */
        NO_CANCEL_REQUEST("cancel_requested_at IS NULL"),
        /** The backoff has passed. */
        DUE("run_after <= :now");

        private final String sql;

        Guard(String sql) {
            this.sql = sql;
        }
    }

    private final Set<JobState> from;
    private final JobState to;
    private final Set<Guard> guards;

    Transition(Set<JobState> from, JobState to, Guard... guards) {
        this.from = from.isEmpty() ? EnumSet.noneOf(JobState.class) : EnumSet.copyOf(from);
        this.to = to;
        this.guards = guards.length == 0 ? EnumSet.noneOf(Guard.class) : EnumSet.copyOf(Arrays.asList(guards));
    }

    public Set<JobState> from() {
        return Collections.unmodifiableSet(from);
    }

    public JobState to() {
        return to;
    }

    public Set<Guard> guards() {
        return Collections.unmodifiableSet(guards);
    }

    /** The condition of this arrow's UPDATE: its source states and its guards. */
    String where() {
        if (from.isEmpty()) {
            throw new IllegalStateException(this + " is an insert: it has no source state to guard");
        }
        return Stream.concat(Stream.of(inStates(from)), guards.stream().map(g -> g.sql))
                .collect(Collectors.joining(" AND "));
    }

    /**
     * This arrow's UPDATE of one job ({@code :id}): {@link #assignments}, and it returns
     * {@code returning} of the row it changed.
     */
    String update(String events, String set, String returning) {
        return "UPDATE jobs SET " + assignments(events, set) + " WHERE id = :id AND " + where() + " RETURNING "
                + returning;
    }

    /**
     * This arrow's UPDATE of many jobs, each with parameters of its own ({@code :id} among them),
     * typed by {@code params}: run as one statement or once per job, as the database does best.
     */
    EachRow each(String events, String set, String returning, Map<String, ParamType> params) {
        return EachRow.of("jobs", assignments(events, set), where(), returning, params);
    }

    /**
     * What this arrow's UPDATE sets: the target state, {@code seq} moved on by {@code events} (a
     * number or a parameter: one per event the arrow appends), then {@code set}.
     */
    String assignments(String events, String set) {
        return "state = '" + to.wire() + "'" + (events.equals("0") ? "" : ", seq = seq + " + events)
                + (set.isEmpty() ? "" : ", " + set);
    }

    /** Whether some arrow leads from {@code from} to {@code to} (a change of state; not the self-arrows). */
    public static boolean allowed(JobState from, JobState to) {
        return from != to && Arrays.stream(values()).anyMatch(t -> t.from.contains(from) && t.to == to);
    }

    static String inStates(Set<JobState> states) {
        if (states.size() == 1) {
            return "state = '" + states.iterator().next().wire() + "'";
        }
        return states.stream()
                .map(s -> "'" + s.wire() + "'")
                .sorted()
                .collect(Collectors.joining(", ", "state IN (", ")"));
    }

    /** The claimable jobs; word for word the predicate of the claim indexes. */
    static final String CLAIMABLE = inStates(CLAIM.from);
}
