package dev.kiln.auth;

import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** Users and their API tokens. Tokens are stored as SHA-256 hashes and shown once, when issued. */
@Component
public class Users {

    private static final String TOKEN_PREFIX = "kiln_";

    private final Database db;
    private final Clock clock;

    public Users(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public record IssuedToken(String id, String token) {
        @Override
        public String toString() {
            return "IssuedToken[id=" + id + "]";
        }
    }

    /** The new user, or empty if the name is taken. */
    public Optional<User> create(String name, Role role) {
        User user = new User(Ids.next("usr"), name, role);
        int inserted = db.write(() -> db.sql().sql("""
                        INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (name) DO NOTHING""")
                .params(user.id(), user.name(), role.dbValue(), clock.millis())
                .update());
        return inserted == 1 ? Optional.of(user) : Optional.empty();
    }

    public Optional<User> findByName(String name) {
        return db.sql().sql("SELECT id, name, role FROM users WHERE name = ?").param(name).query(Users::row).optional();
    }

    public Optional<User> findById(String id) {
        return db.sql().sql("SELECT id, name, role FROM users WHERE id = ?").param(id).query(Users::row).optional();
    }

    private static User row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new User(rs.getString("id"), rs.getString("name"), Role.fromDb(rs.getString("role")));
    }

    public long count() {
        return db.sql().sql("SELECT COUNT(*) FROM users").query(Long.class).single();
    }

    /** Issues a new random token; the returned value is the only time it is seen in clear. */
    public IssuedToken issueToken(String userId, String label, Instant expiresAt) {
        return addToken(userId, TOKEN_PREFIX + Ids.randomToken(52), label, expiresAt);
    }

    /** Registers a token chosen by the operator (e.g. {@code KILN_ADMIN_TOKEN}); a no-op if it exists. */
    public void ensureToken(String userId, String token, String label) {
        boolean exists = db.sql().sql("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?").param(hash(token))
                .query(Long.class).single() > 0;
        if (!exists) {
            addToken(userId, token, label, null);
        }
    }

    private IssuedToken addToken(String userId, String token, String label, Instant expiresAt) {
        String id = Ids.next("tok");
        db.write(() -> db.sql().sql("""
                        INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?)""")
                .params(id, userId, hash(token), label, clock.millis(), expiresAt == null ? null : expiresAt.toEpochMilli())
                .update());
        return new IssuedToken(id, token);
    }

    /** The user a live token belongs to; empty for unknown, revoked or expired tokens. */
    public Optional<User> authenticate(String token) {
        return db.sql().sql("""
                        SELECT u.id, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)""")
                .params(hash(token), clock.millis())
                .query(Users::row)
                .optional();
    }

    /** SHA-256 of a secret, hex: how tokens and tickets are stored. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
