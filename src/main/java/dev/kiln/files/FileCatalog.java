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
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** The {@code files} table: which user holds which blob under what sniffed type. */
@Component
public class FileCatalog {

    private final Database db;

    public FileCatalog(Database db) {
        this.db = db;
    }

    public FileInfo insert(String ownerId, String sha256, long size, String mediaType, String name, Instant now) {
        return insertIfAbsent(new FileInfo(Ids.next("file"), ownerId, size, sha256, mediaType, name, now));
    }

    /** Stores {@code file}; if its id is taken already (a retried completion), returns the stored one. */
    public FileInfo insertIfAbsent(FileInfo file) {
        int inserted = db.write(() -> db.sql()
                .sql("""
                        INSERT INTO files (id, owner_id, sha256, size, media_type, name, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""")
                .params(
                        file.id(),
                        file.ownerId(),
                        file.sha256(),
                        file.size(),
                        file.mediaType(),
                        file.name(),
                        file.createdAt().toEpochMilli())
                .update());
        return inserted == 1 ? file : findById(file.id()).orElseThrow();
    }

    /** Which of these content hashes some file, or some job's result file, still refers to. */
    public Set<String> referenced(Collection<String> sha256s) {
        if (sha256s.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(db.sql()
                .sql("SELECT sha256 FROM files WHERE sha256 IN (:hashes)"
                        + " UNION SELECT sha256 FROM job_files WHERE sha256 IN (:hashes)")
                .param("hashes", List.copyOf(sha256s))
                .query(String.class)
                .list());
    }

    /** The file if it exists and {@code viewer} may see it; otherwise empty, whichever the reason. */
    public Optional<FileInfo> find(String id, User viewer) {
        if (!Ids.looksLike("file", id)) {
            return Optional.empty();
        }
        return findById(id).filter(file -> viewer.canSee(file.ownerId()));
    }

    /** Whoever owns it: only where the caller proved its right another way (a signed link). */
    Optional<FileInfo> findById(String id) {
        return db.sql()
                .sql("SELECT * FROM files WHERE id = ?")
                .param(id)
                .query(FileCatalog::row)
                .optional();
    }

    /**
     * Files by id, whoever owns them: for Kiln's own use (claiming jobs), never for answering a
     * client. Missing ids are absent from the map.
     */
    public Map<String, FileInfo> findByIds(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return db
                .sql()
                .sql("SELECT * FROM files WHERE id IN (:ids)")
                .param("ids", List.copyOf(new HashSet<>(ids)))
                .query(FileCatalog::row)
                .list()
                .stream()
                .collect(Collectors.toMap(FileInfo::id, Function.identity()));
    }

    private static FileInfo row(ResultSet rs, int n) throws SQLException {
        return new FileInfo(
                rs.getString("id"),
                rs.getString("owner_id"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getString("media_type"),
                rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
