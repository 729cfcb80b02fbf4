package dev.kiln.jobs;

import static dev.kiln.db.Rows.instant;
import static dev.kiln.db.Rows.nullableLong;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.springframework.jdbc.core.RowMapper;
import tools.jackson.databind.json.JsonMapper;

/** Reads {@code jobs} rows into snapshots. */
final class JobRows {

    static final String COLUMNS = """
            id, owner_id, type, input_file_id, params, priority, state, cancel_requested_at, stage, progress, seq,
            attempt, max_attempts, created_at, started_at, finished_at, run_after, error_code, error_message,
            error_retryable, result_size, eta_at, reused_from""";

    private JobRows() {}

    static RowMapper<Job> mapper(JsonMapper json) {
        return (rs, n) -> new Job(
                rs.getString("id"),
                rs.getString("owner_id"),
                rs.getString("type"),
                rs.getString("input_file_id"),
                json.readTree(rs.getString("params")),
                rs.getInt("priority"),
                JobState.fromWire(rs.getString("state")),
                instant(rs, "cancel_requested_at"),
                rs.getString("stage"),
                rs.getDouble("progress"),
                rs.getLong("seq"),
                rs.getInt("attempt"),
                rs.getInt("max_attempts"),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                instant(rs, "run_after"),
                error(rs),
                nullableLong(rs, "result_size"),
                instant(rs, "eta_at"),
                null,
                null,
                rs.getString("reused_from"));
    }

    private static JobError error(ResultSet rs) throws SQLException {
        String code = rs.getString("error_code");
        return code == null
                ? null
                : new JobError(code, rs.getString("error_message"), rs.getBoolean("error_retryable"));
    }
}
