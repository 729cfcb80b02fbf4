package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.EachRow;
import dev.kiln.db.Rows;
import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.limits.LimitSettings;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The job state machine: one method per arrow of {@link Transition}, each one conditional UPDATE
 * built from the table (its source states and guards), returning the rows it changed and appending
 * their events in the caller's write transaction. A job that lost a race matches no row: the
 * method leaves it out of its answer instead of overwriting the winner. Nothing here re-reads what
 * it wrote. Once the transaction commits, {@link Moved.Committed} tells the observers (metrics, the
 * worker pool, other nodes); durable work is queued inside it ({@link ResultsChanged}, {@link JobsEnded}).
 */
@Component
public class JobStateMachine {

    /** Marks the method that moves jobs along {@code value}; a test checks there is exactly one per arrow. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Arrow {
        Transition value();
    }

    private final Database db;
    private final EventLog events;
    private final ApplicationEventPublisher publisher;
    private final RowMapper<Job> jobRows;
    private final ClaimStatements claims;
    private final JobInserts inserts;

    public JobStateMachine(
            Database db, EventLog events, JsonMapper json, ApplicationEventPublisher publisher, LimitSettings limits) {
        this.db = db;
        this.events = events;
        this.publisher = publisher;
        this.jobRows = JobRows.mapper(json);
        this.claims = new ClaimStatements(db, limits);
        this.inserts = new JobInserts(db, json);
    }

    /** New jobs, queued in fair order. */
    @Arrow(Transition.SUBMIT)
    List<Job> submit(List<NewJob> jobs, Instant now) {
        List<Job> stored = inserts.insert(jobs, now);
        events.append(stored.stream()
                .map(job -> StateEvents.state(
                        job.id(), job.ownerId(), job.seq(), StateEvents.data(JobState.QUEUED, 0), now))
                .toList());
        committed(Transition.SUBMIT, false, now, stored.stream().map(Moved::of).toList());
        return stored;
    }

    /** A new job succeeded at once with a copy of {@code source}'s result: its result event, then its state. */
    @Arrow(Transition.SUBMIT_REUSED)
    Job submitReused(NewJob job, Reuse.Source source, Instant now) {
        Job stored = inserts.insertReused(job, source, now);
        Moved moved = Moved.of(stored);
        events.append(StateEvents.reused(moved, source, now));
        committed(Transition.SUBMIT_REUSED, false, now, List.of(moved));
        return stored;
    }

    /** A claimed job, as its UPDATE returned it. */
    record Claimed(Moved job, String inputFileId, String params, int maxAttempts, String leaseToken) {}

    /** Up to {@code limit} jobs of {@code type}, in queue order, now running under {@code token} until {@code leaseUntil}. */
    @Arrow(Transition.CLAIM)
    List<Claimed> claim(String type, int limit, String node, String token, long leaseUntil, Instant now) {
        JdbcClient.StatementSpec statement = claims.forRound(type, limit);
        if (statement == null) {
            return List.of();
        }
        List<Claimed> claimed = statement
                .param("token", token)
                .param("node", node)
                .param("leaseUntil", leaseUntil)
                .param("now", now.toEpochMilli())
                .param("type", type)
                .param("limit", limit)
                .query((rs, n) -> new Claimed(
                        Moved.MAPPER.mapRow(rs, n),
                        rs.getString("input_file_id"),
                        rs.getString("params"),
                        rs.getInt("max_attempts"),
                        rs.getString("lease_token")))
                .list();
        events.append(claimed.stream()
                .map(c -> StateEvents.state(
                        c.job(),
                        c.job().seq(),
                        StateEvents.data(JobState.RUNNING, c.job().attempt()),
                        now))
                .toList());
        committed(
                Transition.CLAIM, false, now, claimed.stream().map(Claimed::job).toList());
        return claimed;
    }

    /**
     * Extends the leases {@code node} holds under {@code tokens} (each job's lease token) until
     * {@code until}; those no longer held under that token are left out.
     */
    @Arrow(Transition.RENEW)
    List<JobQueue.Lease> renew(String node, Map<String, String> tokens, long until) {
        return db.updateEach(
                ArrowStatements.RENEW,
                ArrowStatements.renewRows(node, tokens, until),
                (rs, n) -> new JobQueue.Lease(
                        rs.getString("id"), rs.getString("lease_token"), Rows.instant(rs, "cancel_requested_at")));
    }

    /** Appends reports of running attempts; returns the ids of the jobs whose lease was still theirs. */
    @Arrow(Transition.REPORT)
    Set<String> report(List<Report> reports, Instant now) {
        List<Accepted<Report>> accepted = each(ArrowStatements.REPORT, reports, Report::jobId, r -> {
            JobQueue.Progress p = r.progress();
            Map<String, Object> row = ArrowStatements.leaseRow(r.jobId(), r.token(), Long.MAX_VALUE);
            row.put("events", r.items().size());
            row.put("reported", p != null);
            row.put("fraction", p == null ? 0.0 : p.progress());
            row.put("stageText", p == null ? null : p.stage());
            row.put("etaAt", ArrowStatements.etaAt(p, now));
            return row;
        });
        List<JobEvent> appended = new ArrayList<>();
        for (Accepted<Report> a : accepted) {
            long seq = a.job().seq() - a.item().items().size();
            for (JobQueue.Write item : a.item().items()) {
                appended.add(
                        switch (item) {
                            case JobQueue.Partial p -> StateEvents.of(a.job(), ++seq, EventKind.PARTIAL, p.data(), now);
                            case JobQueue.Progress p ->
                                StateEvents.of(
                                        a.job(),
                                        ++seq,
                                        EventKind.PROGRESS,
                                        StateEvents.progress(p.progress(), p.stage(), ArrowStatements.etaAt(p, now)),
                                        now);
                            case JobQueue.Finish f -> throw new IllegalArgumentException("an end is not a report");
                        });
            }
        }
        events.append(appended);
        return ids(accepted);
    }

    /** Asks a running job to stop; empty when it is not running or a cancel is already pending. */
    @Arrow(Transition.REQUEST_CANCEL)
    Optional<Job> requestCancel(String jobId, Instant now) {
        return one(
                Transition.REQUEST_CANCEL,
                ArrowStatements.REQUEST_CANCEL,
                Map.of("id", jobId, "now", now.toEpochMilli()),
                job -> StateEvents.data(JobState.RUNNING, job.attempt()).put("cancelRequested", true),
                now);
    }

    /** Attempts that returned a result (stored with the job); returns the ids of those still holding their lease. */
    @Arrow(Transition.SUCCEED)
    Set<String> succeed(List<JobQueue.Finish> finishes, Instant now) {
        List<Accepted<JobQueue.Finish>> accepted =
                each(ArrowStatements.SUCCEED, finishes, JobQueue.Finish::jobId, f -> {
                    String result = ((JobQueue.Succeeded) f.outcome()).result();
                    Map<String, Object> row = ArrowStatements.endRow(f, now);
                    row.put(
                            "resultSize",
                            result == null ? null : (long) result.getBytes(StandardCharsets.UTF_8).length);
                    row.put("events", result == null ? 1 : 2);
                    return row;
                });
        List<Object[]> results = new ArrayList<>();
        List<JobEvent> appended = new ArrayList<>();
        for (Accepted<JobQueue.Finish> a : accepted) {
            String result = ((JobQueue.Succeeded) a.item().outcome()).result();
            if (result != null) {
                results.add(new Object[] {a.job().id(), result, now.toEpochMilli()});
                appended.add(StateEvents.of(
                        a.job(),
                        a.job().seq() - 1,
                        EventKind.RESULT,
                        StateEvents.result(a.job().id(), result.getBytes(StandardCharsets.UTF_8).length),
                        now));
            }
            appended.add(StateEvents.state(
                    a.job(),
                    a.job().seq(),
                    StateEvents.data(JobState.SUCCEEDED, a.job().attempt()),
                    now));
        }
        db.batch("INSERT INTO job_results (job_id, body, created_at) VALUES (?, ?, ?)", results);
        events.append(appended);
        return ended(Transition.SUCCEED, finishes, accepted, now);
    }

    /** Failed attempts that will run again after their backoff; returns the ids of those still holding their lease. */
    @Arrow(Transition.RETRY)
    Set<String> retry(List<JobQueue.Finish> finishes, Instant now) {
        return failed(Transition.RETRY, ArrowStatements.RETRY, finishes, now);
    }

    /** Attempts that failed for good; returns the ids of those still holding their lease. */
    @Arrow(Transition.FAIL)
    Set<String> fail(List<JobQueue.Finish> finishes, Instant now) {
        return failed(Transition.FAIL, ArrowStatements.FAIL, finishes, now);
    }

    private Set<String> failed(Transition transition, EachRow sql, List<JobQueue.Finish> finishes, Instant now) {
        List<Accepted<JobQueue.Finish>> accepted = each(sql, finishes, JobQueue.Finish::jobId, f -> {
            JobError error = ((JobQueue.Failed) f.outcome()).error();
            Map<String, Object> row = ArrowStatements.endRow(f, now);
            row.put("code", error.code());
            row.put("message", error.message());
            row.put("retryable", error.retryable());
            Instant runAfter = ((JobQueue.Failed) f.outcome()).runAfter();
            row.put("runAfter", runAfter == null ? null : runAfter.toEpochMilli());
            return row;
        });
        List<JobEvent> appended = new ArrayList<>();
        for (Accepted<JobQueue.Finish> a : accepted) {
            JobQueue.Failed failed = (JobQueue.Failed) a.item().outcome();
            appended.add(StateEvents.of(
                    a.job(),
                    a.job().seq() - 1,
                    EventKind.ERROR,
                    StateEvents.error(failed.error(), a.job().attempt()),
                    now));
            ObjectNode state = StateEvents.data(transition.to(), a.job().attempt());
            if (transition == Transition.RETRY) {
                state.put("retryAt", failed.runAfter().toString());
            }
            appended.add(StateEvents.state(a.job(), a.job().seq(), state, now));
        }
        events.append(appended);
        return ended(transition, finishes, accepted, now);
    }

    /** Attempts stopped by a cancel; returns the ids of those still holding their lease. */
    @Arrow(Transition.CANCEL_RUNNING)
    Set<String> cancelRunning(List<JobQueue.Finish> finishes, Instant now) {
        List<Accepted<JobQueue.Finish>> accepted = each(
                ArrowStatements.CANCEL_RUNNING, finishes, JobQueue.Finish::jobId, f -> ArrowStatements.endRow(f, now));
        events.append(accepted.stream()
                .map(a -> StateEvents.state(
                        a.job(),
                        a.job().seq(),
                        StateEvents.data(JobState.CANCELLED, a.job().attempt()),
                        now))
                .toList());
        return ended(Transition.CANCEL_RUNNING, finishes, accepted, now);
    }

    /** Attempts given back unfinished (shutdown), queued again without counting; returns the ids of those released. */
    @Arrow(Transition.RELEASE)
    Set<String> release(List<JobQueue.Finish> finishes, Instant now) {
        List<Accepted<JobQueue.Finish>> accepted =
                each(ArrowStatements.RELEASE, finishes, JobQueue.Finish::jobId, f -> ArrowStatements.endRow(f, now));
        events.append(accepted.stream()
                .map(a -> StateEvents.state(
                        a.job(), a.job().seq(), StateEvents.queued(a.job().attempt(), "released"), now))
                .toList());
        return ended(Transition.RELEASE, finishes, accepted, now);
    }

    /** Cancels a job that is not running; empty when it is running or finished by now. */
    @Arrow(Transition.CANCEL_WAITING)
    Optional<Job> cancelWaiting(String jobId, Instant now) {
        return one(
                Transition.CANCEL_WAITING,
                ArrowStatements.CANCEL_WAITING,
                Map.of("id", jobId, "now", now.toEpochMilli()),
                job -> StateEvents.data(JobState.CANCELLED, job.attempt()),
                now);
    }

    /** Queues the jobs among {@code jobIds} whose backoff has passed by {@code now}. */
    @Arrow(Transition.PROMOTE)
    List<Moved> promote(List<String> jobIds, Instant now) {
        List<Accepted<String>> accepted = each(
                ArrowStatements.PROMOTE,
                jobIds,
                Function.identity(),
                id -> Map.of("id", id, "now", now.toEpochMilli()));
        events.append(accepted.stream()
                .map(a -> StateEvents.state(
                        a.job(), a.job().seq(), StateEvents.queued(a.job().attempt(), "retry_due"), now))
                .toList());
        List<Moved> promoted = accepted.stream().map(Accepted::job).toList();
        committed(Transition.PROMOTE, false, now, promoted);
        return promoted;
    }

    /** Queues a failed or cancelled job again with fresh attempts at {@code fairKey}; empty when it is neither by now. */
    @Arrow(Transition.MANUAL_RETRY)
    Optional<Job> manualRetry(String jobId, long fairKey, Instant now) {
        Optional<Job> queued = one(
                Transition.MANUAL_RETRY,
                ArrowStatements.MANUAL_RETRY,
                Map.of("id", jobId, "now", now.toEpochMilli(), "fairKey", fairKey),
                job -> StateEvents.queued(0, "retry"),
                now);
        queued.ifPresent(job -> db.sql()
                .sql("DELETE FROM job_results WHERE job_id = ?")
                .param(job.id())
                .update());
        return queued;
    }

    /** A client's arrow on one job: its UPDATE, then its state event, {@code data} of the row it returned. */
    private Optional<Job> one(
            Transition arrow, String sql, Map<String, ?> params, Function<Job, ObjectNode> data, Instant now) {
        Optional<Job> moved = db.sql().sql(sql).params(params).query(jobRows).optional();
        moved.ifPresent(job -> {
            events.append(List.of(StateEvents.state(job.id(), job.ownerId(), job.seq(), data.apply(job), now)));
            committed(arrow, false, now, List.of(Moved.of(job)));
        });
        return moved;
    }

    /** An item of a batch whose UPDATE matched, with the row it returned. */
    private record Accepted<T>(T item, Moved job) {}

    /**
     * Runs an arrow's UPDATE for every item, in job id order (the lock order of every batch, so
     * two batches never deadlock), and pairs the items whose row it changed with that row.
     */
    private <T> List<Accepted<T>> each(
            EachRow sql, List<T> items, Function<T, String> id, Function<T, Map<String, ?>> row) {
        List<T> sorted = items.stream().sorted(Comparator.comparing(id)).toList();
        Map<String, Moved> moved = new HashMap<>();
        db.updateEach(sql, sorted.stream().<Map<String, ?>>map(row).toList(), Moved.MAPPER)
                .forEach(m -> moved.put(m.id(), m));
        List<Accepted<T>> accepted = new ArrayList<>(moved.size());
        for (T item : sorted) {
            Moved job = moved.get(id.apply(item));
            if (job != null) {
                accepted.add(new Accepted<>(item, job));
            }
        }
        return accepted;
    }

    private static <T> Set<String> ids(List<Accepted<T>> accepted) {
        Set<String> ids = new HashSet<>();
        accepted.forEach(a -> ids.add(a.job().id()));
        return ids;
    }

    /** The end of attempts: observers hear of them once committed; a rescue is one that waited on an expired lease. */
    private Set<String> ended(
            Transition transition,
            List<JobQueue.Finish> finishes,
            List<Accepted<JobQueue.Finish>> accepted,
            Instant now) {
        boolean rescue = finishes.stream().anyMatch(f -> f.expiredBefore() != Long.MAX_VALUE);
        committed(transition, rescue, now, accepted.stream().map(Accepted::job).toList());
        return ids(accepted);
    }

    private void committed(Transition transition, boolean rescue, Instant at, List<Moved> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        if (transition == Transition.SUCCEED || transition == Transition.SUBMIT_REUSED) {
            publisher.publishEvent(new ResultsChanged(jobs.stream()
                    .map(j -> new ResultsChanged.Changed(j.id(), j.ownerId(), j.type()))
                    .toList()));
        }
        if (transition.to().isFinal()) {
            publisher.publishEvent(new JobsEnded(transition.to(), jobs));
        }
        db.afterCommit(() -> publisher.publishEvent(new Moved.Committed(transition, rescue, at, jobs)));
    }
}
