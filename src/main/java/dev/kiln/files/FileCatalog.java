package dev.kiln.files;

import static dev.kiln.db.Rows.nullableInt;
import static dev.kiln.db.Rows.nullableLong;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

/** The {@code files} table: which user holds which blob under what sniffed type. */
@Component
public class FileCatalog {

    /**
     * "The name contains the text, ignoring case", on a {@code files} row; its one parameter is {@link #namePattern}.
     * On SQLite, {@code lower()} is {@link dev.kiln.db.SqliteDriver}'s: its own folds ASCII only.
     */
    public static final String NAME_CONTAINS = "lower(name) LIKE ? ESCAPE '!'";

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

    /** The parameter of {@link #NAME_CONTAINS}: {@code text} lower-cased, with LIKE's wildcards taken literally. */
    public static String namePattern(String text) {
        String escaped = text.toLowerCase(Locale.ROOT)
                .replace("!", "!!")
                .replace("%", "!%")
                .replace("_", "!_");
        return "%" + escaped + "%";
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

    /** {@code ownerId}'s newest file of this content, if they have one. */
    public Optional<FileInfo> findByContent(String ownerId, String sha256) {
        return db.sql()
                .sql("SELECT * FROM files WHERE owner_id = ? AND sha256 = ? ORDER BY created_at DESC, id DESC LIMIT 1")
                .params(ownerId, sha256)
                .query(FileCatalog::row)
                .optional();
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

    /**
     * Records what a processor measured of a file while reading it (null: not measured); a later
     * measurement replaces an earlier one (a decoder's count of what was really there beats the
     * header's claim).
     */
    public void measured(String id, Duration length, Integer pages) {
        db.write(() -> db.sql()
                .sql("""
                        UPDATE files SET duration_ms = COALESCE(?, duration_ms), pages = COALESCE(?, pages)
                        WHERE id = ?""")
                .params(length == null ? null : length.toMillis(), pages, id)
                .update());
    }

    /** Reads {@code SELECT * FROM files} rows. */
    public static final RowMapper<FileInfo> ROWS = FileCatalog::row;

    private static FileInfo row(ResultSet rs, int n) throws SQLException {
        return new FileInfo(
                rs.getString("id"),
                rs.getString("owner_id"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getString("media_type"),
                rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                nullableLong(rs, "duration_ms"),
                nullableInt(rs, "pages"));
    }
}
