package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.files.StorageQuota;
import dev.kiln.storage.StoredBlob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The {@code job_files} table: named files an external worker uploaded for a job (the content is a
 * blob). A file belongs to the attempt that wrote it, known by the job's {@code attempt} and
 * {@code started_at} (its claim time) when it was written; a job's files are those of its running or
 * succeeded attempt, so what an attempt that failed, was released or rescued left never shows, and
 * {@link #sweep} deletes it.
 */
@Component
public class ResultFiles {

    /** The current attempt's files of a job, joined to it by the attempt's number and claim time. */
    private static final String CURRENT = """
            FROM job_files f JOIN jobs j ON j.id = f.job_id
            WHERE f.job_id = :job AND j.state IN ('running', 'succeeded')
              AND f.attempt = j.attempt AND f.attempt_started_at = j.started_at""";

    /** What a worker may name a file: never a path, never hidden, the same in every URL. */
    public static final String NAME_RULE =
            "A result file's name is 1 to 128 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit.";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Database db;
    private final StorageQuota quota;
    private final ResultFileSettings settings;
    private final Clock clock;

    ResultFiles(Database db, StorageQuota quota, ResultFileSettings settings, Clock clock) {
        this.db = db;
        this.quota = quota;
        this.settings = settings;
        this.clock = clock;
    }

    public record ResultFile(String name, long size, String sha256, String mediaType, int attempt, Instant createdAt) {}

    /** What an upload of {@code name} would add to a running job: whose quota, and what it replaces. */
    public record Room(String ownerId, int otherFiles, long replacing) {}

    /** The outcome of {@link #put}. */
    public sealed interface Put {
        record Stored(ResultFile file) implements Put {}

        /** The lease is not the job's running attempt's (any more): nothing was written. */
        record LeaseLost() implements Put {}

        /** The attempt holds {@code max} other files already. */
        record TooMany(int max) implements Put {}
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public ResultFileSettings settings() {
        return settings;
    }

    /** For a running job: its owner, how many files its attempt holds besides {@code name}, and the size of {@code name}. */
    public Optional<Room> room(String jobId, String name) {
        return db.sql()
                .sql("""
                        SELECT j.owner_id,
                               (SELECT COUNT(*) FROM job_files f WHERE f.job_id = j.id AND f.name <> :name
                                  AND f.attempt = j.attempt AND f.attempt_started_at = j.started_at) AS others,
                               (SELECT COALESCE(SUM(f.size), 0) FROM job_files f WHERE f.job_id = j.id AND f.name = :name
                                  AND f.attempt = j.attempt AND f.attempt_started_at = j.started_at) AS replacing
                        FROM jobs j WHERE j.id = :job AND j.state = 'running'""")
                .param("job", jobId)
                .param("name", name)
                .query((rs, n) -> new Room(rs.getString("owner_id"), rs.getInt("others"), rs.getLong("replacing")))
                .optional();
    }

    /**
     * Records {@code blob} as the file {@code name} of the attempt running under {@code token} on
     * {@code node}, replacing a file of that name; the attempt's count and the owner's quota are
     * checked again here, under the job's lock, now that the size is known. Files of earlier attempts
     * go.
     *
     * @throws dev.kiln.api.ApiException {@code quota_exceeded}
     */
    public Put put(String jobId, String node, String token, String name, StoredBlob blob, String mediaType) {
        return db.write(() -> {
            db.lockUntilCommit(LockSpace.RESULT_FILES, List.of(jobId));
            Optional<Room> room = room(jobId, name);
            if (room.isEmpty()) {
                return new Put.LeaseLost();
            }
            if (room.get().otherFiles() >= settings.maxPerJob()) {
                return new Put.TooMany(settings.maxPerJob());
            }
            quota.check(room.get().ownerId(), blob.size() - room.get().replacing());
            Instant now = clock.instant();
            // The insert itself is guarded by the lease: a lease lost since the check writes nothing.
            int inserted = db.sql()
                    .sql("""
                            INSERT INTO job_files (job_id, name, owner_id, attempt, attempt_started_at, sha256, size,
                                                   media_type, created_at)
                            SELECT id, :name, owner_id, attempt, started_at, :sha256, :size, :mediaType, :now FROM jobs
                            WHERE id = :job AND state = 'running' AND lease_token = :token AND lease_node = :node
                            ON CONFLICT (job_id, name) DO UPDATE SET owner_id = excluded.owner_id,
                                attempt = excluded.attempt, attempt_started_at = excluded.attempt_started_at,
                                sha256 = excluded.sha256, size = excluded.size, media_type = excluded.media_type,
                                created_at = excluded.created_at""")
                    .param("job", jobId)
                    .param("name", name)
                    .param("sha256", blob.sha256())
                    .param("size", blob.size())
                    .param("mediaType", mediaType)
                    .param("now", now.toEpochMilli())
                    .param("token", token)
                    .param("node", node)
                    .update();
            if (inserted == 0) {
                return new Put.LeaseLost();
            }
            db.sql().sql("""
                            DELETE FROM job_files WHERE job_id = :job AND NOT EXISTS (
                                SELECT 1 FROM jobs j WHERE j.id = job_files.job_id AND j.attempt = job_files.attempt
                                  AND j.started_at = job_files.attempt_started_at)""").param("job", jobId).update();
            ResultFile stored = find(jobId, name).orElseThrow();
            return new Put.Stored(stored);
        });
    }

    /** The files of the job's running or succeeded attempt, by name; none in any other state. */
    public List<ResultFile> list(String jobId) {
        return db.sql()
                .sql("SELECT f.* " + CURRENT + " ORDER BY f.name")
                .param("job", jobId)
                .query(ResultFiles::row)
                .list();
    }

    public Optional<ResultFile> find(String jobId, String name) {
        return db.sql()
                .sql("SELECT f.* " + CURRENT + " AND f.name = :name")
                .param("job", jobId)
                .param("name", name)
                .query(ResultFiles::row)
                .optional();
    }

    /**
     * Deletes the files of attempts that are no job's running or succeeded one (they failed, were
     * released, rescued or cancelled); their blobs are then left to the storage sweeper. Safe on every
     * node at once: a running attempt's files are never matched.
     *
     * @return how many went
     */
    public int sweep() {
        return db.write(() -> db.sql().sql("""
                        DELETE FROM job_files WHERE NOT EXISTS (
                            SELECT 1 FROM jobs j WHERE j.id = job_files.job_id AND j.state IN ('running', 'succeeded')
                              AND j.attempt = job_files.attempt AND j.started_at = job_files.attempt_started_at)""").update());
    }

    private static ResultFile row(ResultSet rs, int n) throws SQLException {
        return new ResultFile(
                rs.getString("name"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getString("media_type"),
                rs.getInt("attempt"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
