package dev.kiln.files;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The {@code files} table: which user holds which blob under what sniffed type. */
@Component
public class FileCatalog {

    private final Database db;

    public FileCatalog(Database db) {
        this.db = db;
    }

    public FileInfo insert(String ownerId, String sha256, long size, String mediaType, String name, Instant now) {
        FileInfo file = new FileInfo(Ids.next("file"), ownerId, size, sha256, mediaType, name, now);
        db.write(() -> db.sql().sql("""
                        INSERT INTO files (id, owner_id, sha256, size, media_type, name, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)""")
                .params(file.id(), ownerId, sha256, size, mediaType, name, now.toEpochMilli())
                .update());
        return file;
    }

    /** The file if it exists and {@code viewer} may see it; otherwise empty, whichever the reason. */
    public Optional<FileInfo> find(String id, User viewer) {
        if (!Ids.looksLike("file", id)) {
            return Optional.empty();
        }
        return findById(id).filter(file -> viewer.canSee(file.ownerId()));
    }

    /** Any file, whoever owns it: for Kiln's own use (workers), never for answering a client. */
    public Optional<FileInfo> findById(String id) {
        return db.sql().sql("SELECT * FROM files WHERE id = ?").param(id)
                .query((rs, n) -> new FileInfo(rs.getString("id"), rs.getString("owner_id"), rs.getLong("size"),
                        rs.getString("sha256"), rs.getString("media_type"), rs.getString("name"),
                        Instant.ofEpochMilli(rs.getLong("created_at"))))
                .optional();
    }
}
