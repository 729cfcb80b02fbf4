package dev.kiln.jobs;

import dev.kiln.db.EachRow;
import dev.kiln.db.ParamType;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The statements of {@link JobStateMachine}'s arrows, each built from {@link Transition}, and the rows they take. */
final class ArrowStatements {

    static final String FREE_LEASE =
            "lease_token = NULL, lease_node = NULL, lease_expires_at = NULL, cancel_requested_at = NULL, stage = NULL, eta_at = NULL";
    static final String ERROR = "error_code = :code, error_message = :message, error_retryable = :retryable";
    /**
     * The parameters the worker-side arrows take once per job. None is named like a column of
     * {@code jobs}: where all jobs go in one statement they are columns of its own.
     */
    static final Map<String, ParamType> PER_JOB = Map.ofEntries(
            Map.entry("id", ParamType.TEXT),
            Map.entry("token", ParamType.TEXT),
            Map.entry("node", ParamType.TEXT),
            Map.entry("until", ParamType.BIGINT),
            Map.entry("expiredBefore", ParamType.BIGINT),
            Map.entry("now", ParamType.BIGINT),
            Map.entry("events", ParamType.INTEGER),
            Map.entry("reported", ParamType.BOOLEAN),
            Map.entry("fraction", ParamType.DOUBLE),
            Map.entry("stageText", ParamType.TEXT),
            Map.entry("etaAt", ParamType.BIGINT),
            Map.entry("resultSize", ParamType.BIGINT),
            Map.entry("code", ParamType.TEXT),
            Map.entry("message", ParamType.TEXT),
            Map.entry("retryable", ParamType.BOOLEAN),
            Map.entry("runAfter", ParamType.BIGINT));

    static final EachRow RENEW =
            Transition.RENEW.each("0", "lease_expires_at = :until", "id, lease_token, cancel_requested_at", PER_JOB);
    static final EachRow REPORT = Transition.REPORT.each(":events", """
            progress = CASE WHEN :reported THEN :fraction ELSE progress END,
            stage = CASE WHEN :reported THEN :stageText ELSE stage END,
            eta_at = CASE WHEN :reported THEN :etaAt ELSE eta_at END""", Moved.COLUMNS, PER_JOB);
    static final String REQUEST_CANCEL =
            Transition.REQUEST_CANCEL.update("1", "cancel_requested_at = :now", JobRows.COLUMNS);
    static final EachRow SUCCEED = Transition.SUCCEED.each(
            ":events",
            "progress = 1, finished_at = :now, result_size = :resultSize, " + FREE_LEASE,
            Moved.COLUMNS,
            PER_JOB);
    static final EachRow RETRY =
            Transition.RETRY.each("2", ERROR + ", run_after = :runAfter, " + FREE_LEASE, Moved.COLUMNS, PER_JOB);
    static final EachRow FAIL =
            Transition.FAIL.each("2", ERROR + ", finished_at = :now, " + FREE_LEASE, Moved.COLUMNS, PER_JOB);
    static final EachRow CANCEL_RUNNING =
            Transition.CANCEL_RUNNING.each("1", "finished_at = :now, " + FREE_LEASE, Moved.COLUMNS, PER_JOB);
    static final EachRow RELEASE = Transition.RELEASE.each(
            "1",
            "attempt = attempt - 1, run_after = :now, started_at = NULL, progress = 0, " + FREE_LEASE,
            Moved.COLUMNS,
            PER_JOB);
    static final String CANCEL_WAITING = Transition.CANCEL_WAITING.update("1", "finished_at = :now", JobRows.COLUMNS);
    static final EachRow PROMOTE = Transition.PROMOTE.each("1", "", Moved.COLUMNS, PER_JOB);
    static final String MANUAL_RETRY = Transition.MANUAL_RETRY.update("1", """
            attempt = 0, run_after = :now, fair_key = :fairKey, error_code = NULL, error_message = NULL,
            error_retryable = NULL, started_at = NULL, finished_at = NULL, cancel_requested_at = NULL, progress = 0,
            stage = NULL, eta_at = NULL, result_size = NULL""", JobRows.COLUMNS);

    private ArrowStatements() {}

    static Long etaAt(JobQueue.Progress p, Instant now) {
        return p == null || p.remaining() == null
                ? null
                : now.toEpochMilli() + Math.max(0, p.remaining().toMillis());
    }

    static Map<String, Object> endRow(JobQueue.Finish f, Instant now) {
        Map<String, Object> row = leaseRow(f.jobId(), f.token(), f.expiredBefore());
        row.put("now", now.toEpochMilli());
        return row;
    }

    /** RENEW's rows: each job with its lease token, in id order (the order rows are locked in). */
    static List<Map<String, ?>> renewRows(String node, Map<String, String> tokens, long until) {
        return new TreeMap<>(tokens)
                .entrySet().stream()
                        .<Map<String, ?>>map(held -> {
                            Map<String, Object> row = leaseRow(held.getKey(), held.getValue(), Long.MAX_VALUE);
                            row.put("node", node);
                            row.put("until", until);
                            return row;
                        })
                        .toList();
    }

    static Map<String, Object> leaseRow(String jobId, String token, long expiredBefore) {
        Map<String, Object> row = new HashMap<>();
        row.put("id", jobId);
        row.put("token", token);
        row.put("expiredBefore", expiredBefore);
        return row;
    }
}
