package dev.kiln.uploads;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The {@code uploads} table: offsets, the one-writer lock, completion. */
@Component
class UploadStore {

    private final Database db;

    UploadStore(Database db) {
        this.db = db;
    }

    /** Stores a new upload, after {@code admit} (which may refuse it by throwing) in the same transaction. */
    void create(Upload upload, Runnable admit) {
        db.write(() -> {
            admit.run();
            return db.sql()
                    .sql("""
                        INSERT INTO uploads (id, owner_id, upload_length, upload_offset, metadata, filename, job_request,
                                             created_at, expires_at)
                        VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)""")
                    .params(
                            upload.id(),
                            upload.ownerId(),
                            upload.length(),
                            upload.metadata(),
                            upload.filename(),
                            upload.jobRequest(),
                            upload.createdAt().toEpochMilli(),
                            upload.expiresAt().toEpochMilli())
                    .update();
        });
    }

    Optional<Upload> find(String id) {
        return db.sql()
                .sql("SELECT * FROM uploads WHERE id = ?")
                .param(id)
                .query(UploadStore::row)
                .optional();
    }

    /**
     * Takes the one-writer lock for {@code owner}: free, or held by a writer that has shown no
     * progress since {@code staleBefore} (its connection is most likely gone), and only while the
     * upload stands at {@code offset}: a writer that read the row before another request moved it on
     * must not write over the bytes that request was acknowledged for.
     */
    boolean lock(String id, String owner, long offset, Instant now, Instant staleBefore) {
        return db.write(() -> db.sql()
                        .sql("""
                        UPDATE uploads SET lock_owner = ?, lock_heartbeat_at = ?
                        WHERE id = ? AND completed_at IS NULL AND upload_offset = ?
                          AND (lock_owner IS NULL OR lock_heartbeat_at < ?)""")
                        .params(owner, now.toEpochMilli(), id, offset, staleBefore.toEpochMilli())
                        .update())
                == 1;
    }

    /** What a completed upload becomes, fixed with its last byte so that a retried completion makes the same file. */
    record Completion(String sha256, String fileId) {}

    /** Records durable progress; false when the lock was taken over (the caller must stop writing). */
    boolean checkpoint(String id, String owner, long offset, Instant now, Instant expiresAt) {
        return checkpoint(id, owner, offset, null, now, expiresAt);
    }

    /**
     * As above; with {@code completion} (the last byte's checkpoint) the hash and the file's id are
     * recorded in the same write as the offset, so no crash leaves a whole upload without them, nor a
     * hash without the offset it belongs to. A hash already there is replaced: only a writer of an
     * earlier build, which recorded it first and died before the offset, leaves one behind.
     */
    boolean checkpoint(String id, String owner, long offset, Completion completion, Instant now, Instant expiresAt) {
        return db.write(() -> db.sql()
                        .sql("""
                        UPDATE uploads SET upload_offset = ?, lock_heartbeat_at = ?, expires_at = ?,
                          sha256 = COALESCE(?, sha256), file_id = COALESCE(file_id, ?)
                        WHERE id = ? AND lock_owner = ?""")
                        .params(
                                offset,
                                now.toEpochMilli(),
                                expiresAt.toEpochMilli(),
                                completion == null ? null : completion.sha256(),
                                completion == null ? null : completion.fileId(),
                                id,
                                owner)
                        .update())
                == 1;
    }

    /** Shows the lock's holder alive, changing nothing else; false when it no longer holds the lock. */
    boolean heartbeat(String id, String owner, Instant now) {
        return db.write(() -> db.sql()
                        .sql("UPDATE uploads SET lock_heartbeat_at = ? WHERE id = ? AND lock_owner = ?")
                        .params(now.toEpochMilli(), id, owner)
                        .update())
                == 1;
    }

    /** Back to offset 0 with no hash, for the lock's holder, while the upload is unfinished: its bytes were lost. */
    boolean startOver(String id, String owner) {
        return db.write(() -> db.sql().sql("""
                        UPDATE uploads SET upload_offset = 0, sha256 = NULL
                        WHERE id = ? AND lock_owner = ? AND completed_at IS NULL""").params(id, owner).update()) == 1;
    }

    void unlock(String id, String owner) {
        db.write(() -> db.sql()
                .sql("UPDATE uploads SET lock_owner = NULL, lock_heartbeat_at = NULL WHERE id = ? AND lock_owner = ?")
                .params(id, owner)
                .update());
    }

    void complete(String id, String jobId, Instant now) {
        db.write(() -> db.sql().sql("""
                        UPDATE uploads SET job_id = ?, completed_at = ?, lock_owner = NULL, lock_heartbeat_at = NULL
                        WHERE id = ?""").params(jobId, now.toEpochMilli(), id).update());
    }

    void delete(String id) {
        db.write(
                () -> db.sql().sql("DELETE FROM uploads WHERE id = ?").param(id).update());
    }

    /**
     * Deletes the upload if it is still expired at {@code now}: false when a write extended it
     * meanwhile, or another node's sweep took it first. Whoever gets true owns the clean-up.
     */
    boolean deleteIfExpired(String id, Instant now) {
        return db.write(() -> db.sql()
                        .sql("DELETE FROM uploads WHERE id = ? AND expires_at <= ?")
                        .params(id, now.toEpochMilli())
                        .update())
                == 1;
    }

    List<Upload> expired(Instant now, int limit) {
        return db.sql()
                .sql("SELECT * FROM uploads WHERE expires_at <= ? ORDER BY expires_at LIMIT ?")
                .params(now.toEpochMilli(), limit)
                .query(UploadStore::row)
                .list();
    }

    /** Content hashes that unfinished completions still need (their file row may not exist yet). */
    List<String> hashesBeingCompleted() {
        return db.sql()
                .sql("SELECT sha256 FROM uploads WHERE sha256 IS NOT NULL AND completed_at IS NULL")
                .query(String.class)
                .list();
    }

    private static Upload row(ResultSet rs, int n) throws SQLException {
        return new Upload(
                rs.getString("id"),
                rs.getString("owner_id"),
                rs.getLong("upload_length"),
                rs.getLong("upload_offset"),
                rs.getString("metadata"),
                rs.getString("filename"),
                rs.getString("job_request"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("expires_at")),
                rs.getString("sha256"),
                rs.getString("file_id"),
                rs.getString("job_id"),
                Rows.instant(rs, "completed_at"));
    }
}
