package dev.kiln.auth;

import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.support.Digests;
import dev.kiln.support.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/** People who may use Kiln, and their roles. Their credentials are {@link ApiTokens} and {@link Sessions}. */
@Component
public class Users {

    private final Database db;
    private final Clock clock;
    private final ApplicationEventPublisher publisher;

    public Users(Database db, Clock clock, ApplicationEventPublisher publisher) {
        this.db = db;
        this.clock = clock;
        this.publisher = publisher;
    }

    /** The new user, or empty if the name is taken. */
    public Optional<User> create(String name, Role role) {
        User user = new User(Ids.next("usr"), name, role);
        int inserted = db.write(() -> db.sql()
                .sql("""
                        INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (name) DO NOTHING""")
                .params(user.id(), user.name(), role.dbValue(), clock.millis())
                .update());
        return inserted == 1 ? Optional.of(user) : Optional.empty();
    }

    public Optional<User> findByName(String name) {
        return db.sql()
                .sql("SELECT id, name, role FROM users WHERE name = ? AND deleted_at IS NULL")
                .param(name)
                .query(Users::row)
                .optional();
    }

    public Optional<User> findById(String id) {
        return db.sql()
                .sql("SELECT id, name, role FROM users WHERE id = ? AND deleted_at IS NULL")
                .param(id)
                .query(Users::row)
                .optional();
    }

    static User row(ResultSet rs, int n) throws SQLException {
        return new User(rs.getString("id"), rs.getString("name"), Role.fromDb(rs.getString("role")));
    }

    public long count() {
        return db.sql().sql("SELECT COUNT(*) FROM users").query(Long.class).single();
    }

    /**
     * Stores the new role; false when nothing changed: no such user, they have it already, or they
     * are the last administrator. Once it is stored, {@link AccessEnded} ends what the user holds
     * open that it no longer allows.
     */
    public boolean changeRole(String id, Role role) {
        int changed = db.write(() -> {
            lastAdminLock();
            return db.sql()
                    .sql("""
                            UPDATE users SET role = :role
                            WHERE id = :id AND deleted_at IS NULL AND role <> :role AND (role <> 'admin'
                              OR (SELECT COUNT(*) FROM users a WHERE a.role = 'admin' AND a.deleted_at IS NULL) > 1)""")
                    .param("role", role.dbValue())
                    .param("id", id)
                    .update();
        });
        if (changed > 0) {
            publisher.publishEvent(AccessEnded.roleChanged(id, role));
        }
        return changed > 0;
    }

    /**
     * Taken before a statement that counts the admins and may remove one: on PostgreSQL two such
     * statements would each count the other's admin still there (READ COMMITTED) and leave none;
     * one after the other, the second counts afresh. SQLite runs writes one at a time already.
     */
    private void lastAdminLock() {
        db.lockUntilCommit(LockSpace.ADMINS, List.of("admins"));
    }

    /**
     * Deletes the user: in one transaction the row is marked deleted (kept, for what names it, with
     * the name freed for a new user), every token revoked and every session ended; once that is
     * stored, {@link AccessEnded} ends what they hold open on every node. What they own is deleted
     * by the library. False when there is no such user, or they are the last administrator.
     */
    public boolean delete(String id) {
        long now = clock.millis();
        boolean deleted = db.write(() -> {
            lastAdminLock();
            int marked = db.sql().sql("""
                            UPDATE users SET deleted_at = :now, name = name || '~deleted~' || id
                            WHERE id = :id AND deleted_at IS NULL AND (role <> 'admin'
                              OR (SELECT COUNT(*) FROM users a WHERE a.role = 'admin' AND a.deleted_at IS NULL) > 1)""").param("now", now).param("id", id).update();
            if (marked == 0) {
                return false;
            }
            db.sql()
                    .sql("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
                    .params(now, id)
                    .update();
            db.sql()
                    .sql("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL")
                    .params(now, id)
                    .update();
            return true;
        });
        if (deleted) {
            publisher.publishEvent(AccessEnded.userDeleted(id));
        }
        return deleted;
    }

    /** Users deleted whose jobs or files are not all gone yet (a crash, or jobs that were still stopping). */
    public List<User> deletedWithData() {
        return db.sql().sql("""
                        SELECT id, name, role FROM users u WHERE deleted_at IS NOT NULL
                          AND (EXISTS (SELECT 1 FROM jobs j WHERE j.owner_id = u.id)
                            OR EXISTS (SELECT 1 FROM files f WHERE f.owner_id = u.id))""").query(Users::row).list();
    }

    public long countAdmins() {
        return db.sql()
                .sql("SELECT COUNT(*) FROM users WHERE role = 'admin' AND deleted_at IS NULL")
                .query(Long.class)
                .single();
    }

    /** What a user owns, for admins: counts from the jobs and files tables (read-only, kept here as one query). */
    public record Holdings(
            User user,
            Instant createdAt,
            long jobs,
            long activeJobs,
            long files,
            long storedBytes,
            long activeTokens) {}

    /** Every user's holdings by name, or one user's ({@code id} not null). */
    public List<Holdings> holdings(String id) {
        long now = clock.millis();
        return db.sql()
                .sql("""
                        SELECT u.id, u.name, u.role, u.created_at,
                          (SELECT COUNT(*) FROM jobs j WHERE j.owner_id = u.id) AS jobs,
                          (SELECT COUNT(*) FROM jobs j WHERE j.owner_id = u.id
                             AND j.state IN ('queued', 'retry_scheduled', 'running')) AS active_jobs,
                          (SELECT COUNT(*) FROM files f WHERE f.owner_id = u.id) AS files,
                          (SELECT COALESCE(SUM(f.size), 0) FROM files f WHERE f.owner_id = u.id) AS stored_bytes,
                          (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                             AND (t.expires_at IS NULL OR t.expires_at > ?)) AS active_tokens
                        FROM users u WHERE u.deleted_at IS NULL AND (CAST(? AS TEXT) IS NULL OR u.id = ?)
                        ORDER BY u.name""")
                .params(now, id, id)
                .query((rs, n) -> new Holdings(
                        row(rs, n),
                        Instant.ofEpochMilli(rs.getLong("created_at")),
                        rs.getLong("jobs"),
                        rs.getLong("active_jobs"),
                        rs.getLong("files"),
                        rs.getLong("stored_bytes"),
                        rs.getLong("active_tokens")))
                .list();
    }

    /** SHA-256 of a secret, hex: how tokens and tickets are stored. */
    public static String hash(String token) {
        return Digests.sha256Hex(token);
    }
}
