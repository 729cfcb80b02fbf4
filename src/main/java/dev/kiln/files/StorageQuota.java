package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.db.Database;
import org.springframework.stereotype.Component;

/**
 * How much storage a user holds — their files, plus the full declared length of their unfinished
 * uploads (space they have claimed), plus the result files workers uploaded for their jobs — against
 * their quota. Checked before any bytes are taken; a deleted file's bytes count no more from the moment
 * its row is gone.
 */
@Component
public class StorageQuota {

    private final Database db;
    private final FileSettings settings;

    StorageQuota(Database db, FileSettings settings) {
        this.db = db;
        this.settings = settings;
    }

    /**
     * A user's storage: {@code storedBytes} in {@code files} files, {@code resultFileBytes} of workers'
     * result files for their jobs, {@code reservedBytes} claimed by unfinished uploads; {@code usedBytes}
     * (their sum) counts against {@code quotaBytes}.
     */
    public record Usage(
            long storedBytes, long resultFileBytes, long reservedBytes, long usedBytes, long quotaBytes, long files) {}

    /** @throws ApiException {@code quota_exceeded} (413) when {@code adding} more bytes would pass the quota */
    public void check(String ownerId, long adding) {
        Usage usage = usage(ownerId);
        long quota = usage.quotaBytes();
        long used = usage.usedBytes();
        if (adding > quota - used) {
            throw new ApiException(
                            ErrorCode.QUOTA_EXCEEDED,
                            "This would take your storage to " + (used + adding) + " bytes; your quota is " + quota
                                    + " bytes. Delete files or ask an admin for more.")
                    .with("limit", "storage")
                    .with("quota", quota)
                    .with("used", used)
                    .with("usage", usage);
        }
    }

    public Usage usage(String ownerId) {
        return db.sql()
                .sql("""
                        SELECT (SELECT COALESCE(SUM(size), 0) FROM files WHERE owner_id = :owner) AS stored,
                               (SELECT count(*) FROM files WHERE owner_id = :owner) AS files,
                               (SELECT COALESCE(SUM(size), 0) FROM job_files WHERE owner_id = :owner) AS results,
                               (SELECT COALESCE(SUM(upload_length), 0) FROM uploads
                                WHERE owner_id = :owner AND completed_at IS NULL) AS reserved""")
                .param("owner", ownerId)
                .query((rs, n) -> new Usage(
                        rs.getLong("stored"),
                        rs.getLong("results"),
                        rs.getLong("reserved"),
                        rs.getLong("stored") + rs.getLong("results") + rs.getLong("reserved"),
                        settings.quotaPerUser().toBytes(),
                        rs.getLong("files")))
                .single();
    }
}
