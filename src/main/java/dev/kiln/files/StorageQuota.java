package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.db.Database;
import org.springframework.stereotype.Component;

/**
 * How much storage a user holds — their files, plus the full declared length of their unfinished
 * uploads (space they have claimed), plus the result files workers uploaded for their jobs — against
 * their quota. Checked before any bytes are taken.
 */
@Component
public class StorageQuota {

    private final Database db;
    private final FileSettings settings;

    StorageQuota(Database db, FileSettings settings) {
        this.db = db;
        this.settings = settings;
    }

    /** @throws ApiException {@code quota_exceeded} (413) when {@code adding} more bytes would pass the quota */
    public void check(String ownerId, long adding) {
        long quota = settings.quotaPerUser().toBytes();
        long used = used(ownerId);
        if (adding > quota - used) {
            throw new ApiException(
                            ErrorCode.QUOTA_EXCEEDED,
                            "This would take your storage to " + (used + adding) + " bytes; your quota is " + quota
                                    + " bytes. Delete files or ask an admin for more.")
                    .with("limit", "storage")
                    .with("quota", quota)
                    .with("used", used);
        }
    }

    long used(String ownerId) {
        return db.sql().sql("""
                        SELECT (SELECT COALESCE(SUM(size), 0) FROM files WHERE owner_id = :owner)
                             + (SELECT COALESCE(SUM(upload_length), 0) FROM uploads
                                WHERE owner_id = :owner AND completed_at IS NULL)
                             + (SELECT COALESCE(SUM(size), 0) FROM job_files WHERE owner_id = :owner)""").param("owner", ownerId).query(Long.class).single();
    }
}
