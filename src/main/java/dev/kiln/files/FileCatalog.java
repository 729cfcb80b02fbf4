package dev.kiln.files;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
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

    private Optional<FileInfo> findById(String id) {
        return db.sql().sql("SELECT * FROM files WHERE id = ?").param(id).query(FileCatalog::row).optional();
    }

    /**
     * Files by id, whoever owns them: for Kiln's own use (claiming jobs), never for answering a
     * client. Missing ids are absent from the map.
     */
    public Map<String, FileInfo> findByIds(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return db.sql().sql("SELECT * FROM files WHERE id IN (:ids)").param("ids", List.copyOf(new HashSet<>(ids)))
                .query(FileCatalog::row).list().stream()
                .collect(Collectors.toMap(FileInfo::id, Function.identity()));
    }

    private static FileInfo row(ResultSet rs, int n) throws SQLException {
        return new FileInfo(rs.getString("id"), rs.getString("owner_id"), rs.getLong("size"), rs.getString("sha256"),
                rs.getString("media_type"), rs.getString("name"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
