package dev.kiln.jobs;

import dev.kiln.db.Rows;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.RowMapper;

/**
 * A job an arrow of the state machine moved, as its UPDATE returned it: what observers (metrics,
 * the worker pool, other nodes) need to know of it.
 *
 * @param startedAt when its attempt started (null when it never ran or was released)
 * @param runAfter  when it became (or becomes) claimable
 * @param errorCode the error its last failed attempt ended with (set by RETRY and FAIL), or null
 * @param callback  whether it carries a {@code callbackUrl}; null when not read (built from a {@link Job})
 */
public record Moved(
        String id,
        String ownerId,
        String type,
        int attempt,
        long seq,
        Instant startedAt,
        Instant runAfter,
        String errorCode,
        Boolean callback) {

    /** The columns a worker-side arrow returns. */
    static final String COLUMNS =
            "id, owner_id, type, attempt, seq, started_at, run_after, error_code, callback_url IS NOT NULL AS has_callback";

    static final RowMapper<Moved> MAPPER = (rs, n) -> new Moved(
            rs.getString("id"),
            rs.getString("owner_id"),
            rs.getString("type"),
            rs.getInt("attempt"),
            rs.getLong("seq"),
            Rows.instant(rs, "started_at"),
            Rows.instant(rs, "run_after"),
            rs.getString("error_code"),
            rs.getBoolean("has_callback"));

    static Moved of(Job job) {
        return new Moved(
                job.id(),
                job.ownerId(),
                job.type(),
                job.attempt(),
                job.seq(),
                job.startedAt(),
                job.runAfter(),
                job.error() == null ? null : job.error().code(),
                null);
    }

    /**
     * Published once the transaction that moved {@code jobs} along {@code transition} commits (never
     * if it rolls back). A {@code rescue} is maintenance ending attempts whose lease expired.
     */
    public record Committed(Transition transition, boolean rescue, Instant at, List<Moved> jobs) {}
}
