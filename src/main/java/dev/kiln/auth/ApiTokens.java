package dev.kiln.auth;

import static dev.kiln.db.Rows.instant;
import static dev.kiln.db.Rows.nullableLong;

import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * API tokens: issued, listed, revoked, checked. Only a token's SHA-256 is stored; its clear text is
 * seen once, in the answer that issues it.
 */
@Component
public class ApiTokens {

    private static final String PREFIX = "kiln_";
    /** last_used_at is a hint for admins, not an access log: written at most this often per token. */
    private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

    private final Database db;
    private final Clock clock;
    private final ApplicationEventPublisher publisher;

    ApiTokens(Database db, Clock clock, ApplicationEventPublisher publisher) {
        this.db = db;
        this.clock = clock;
        this.publisher = publisher;
    }

    /** A token in clear text, with its id; only ever returned by the call that issues it. */
    public record Issued(TokenInfo info, String token) {
        @Override
        public String toString() {
            return "Issued[id=" + info.id() + "]";
        }
    }

    /** What may be shown about a token: never its secret. */
    public record TokenInfo(
            String id,
            String userId,
            String label,
            Instant createdAt,
            Instant expiresAt,
            Instant lastUsedAt,
            Instant revokedAt) {

        public boolean active(Instant now) {
            return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
        }
    }

    /** Who a presented token belongs to, and which token it was. */
    public record Credential(User user, String tokenId) {}

    /** Issues a new random token; the returned value is the only time it is seen in clear. */
    public Issued issue(String userId, String label, Instant expiresAt) {
        return add(userId, PREFIX + Ids.randomToken(52), label, expiresAt);
    }

    /** Registers a token chosen by the operator (e.g. {@code KILN_ADMIN_TOKEN}); a no-op if it exists. */
    void ensure(String userId, String token, String label) {
        boolean exists = db.sql()
                        .sql("SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?")
                        .param(Users.hash(token))
                        .query(Long.class)
                        .single()
                > 0;
        if (!exists) {
            add(userId, token, label, null);
        }
    }

    private Issued add(String userId, String token, String label, Instant expiresAt) {
        TokenInfo info = new TokenInfo(Ids.next("tok"), userId, label, clock.instant(), expiresAt, null, null);
        db.write(() -> db.sql()
                .sql("""
                        INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?)""")
                .params(
                        info.id(),
                        userId,
                        Users.hash(token),
                        label,
                        info.createdAt().toEpochMilli(),
                        expiresAt == null ? null : expiresAt.toEpochMilli())
                .update());
        return new Issued(info, token);
    }

    /**
     * The live token's user; empty for unknown, revoked or expired tokens, and for a deleted user's
     * (deleting revokes their tokens, but one issued at that moment may escape it).
     */
    public Optional<Credential> authenticate(String token) {
        long now = clock.millis();
        record Found(Credential credential, Long lastUsedAt) {}
        Optional<Found> found = db.sql()
                .sql("""
                        SELECT u.id, u.name, u.role, t.id AS token_id, t.last_used_at
                        FROM api_tokens t JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
                          AND u.deleted_at IS NULL""")
                .params(Users.hash(token), now)
                .query((rs, n) -> new Found(
                        new Credential(Users.row(rs, n), rs.getString("token_id")), nullableLong(rs, "last_used_at")))
                .optional();
        found.filter(f -> f.lastUsedAt() == null || f.lastUsedAt() < now - LAST_USED_RESOLUTION.toMillis())
                .ifPresent(f -> touch(f.credential().tokenId(), now));
        return found.map(Found::credential);
    }

    private void touch(String tokenId, long now) {
        db.write(() -> db.sql()
                .sql("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
                .params(now, tokenId)
                .update());
    }

    /** A user's tokens, newest first. */
    public List<TokenInfo> list(String userId) {
        return db.sql().sql("""
                        SELECT id, user_id, label, created_at, expires_at, last_used_at, revoked_at
                        FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC""").param(userId).query(ApiTokens::info).list();
    }

    /**
     * Revokes one of the user's tokens (and so every browser session opened with it); once it is
     * stored, {@link AccessEnded} ends what is open with it. Revoking a revoked token changes
     * nothing. Empty when the user has no such token.
     */
    public Optional<TokenInfo> revoke(String userId, String tokenId) {
        int revoked = db.write(() -> db.sql()
                .sql("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
                .params(clock.millis(), tokenId, userId)
                .update());
        if (revoked > 0) {
            publisher.publishEvent(AccessEnded.tokenEnded(userId, tokenId));
        }
        return db.sql().sql("""
                        SELECT id, user_id, label, created_at, expires_at, last_used_at, revoked_at
                        FROM api_tokens WHERE id = ? AND user_id = ?""").params(tokenId, userId).query(ApiTokens::info).optional();
    }

    private static TokenInfo info(ResultSet rs, int n) throws SQLException {
        return new TokenInfo(
                rs.getString("id"),
                rs.getString("user_id"),
                rs.getString("label"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                instant(rs, "expires_at"),
                instant(rs, "last_used_at"),
                instant(rs, "revoked_at"));
    }
}
