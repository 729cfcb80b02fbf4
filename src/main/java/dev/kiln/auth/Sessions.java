package dev.kiln.auth;

import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Browser sessions, opened by signing in with an API token. The cookie carries a random secret,
 * stored only as its hash. A session ends when it expires, when the browser signs out, or when
 * the token it was opened with is revoked or expires.
 */
@Component
public class Sessions {

    private final Database db;
    private final Clock clock;
    private final SessionSettings settings;
    private final ApplicationEventPublisher publisher;

    Sessions(Database db, Clock clock, SessionSettings settings, ApplicationEventPublisher publisher) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.publisher = publisher;
    }

    /**
     * An open session; {@code csrfToken} must accompany every unsafe request made with its cookie.
     * {@code tokenId} is the token it was opened with.
     */
    public record Session(String id, User user, String csrfToken, Instant expiresAt, String tokenId) {}

    /** A new session and the secret for its cookie (seen only here). */
    public record Opened(Session session, String secret) {
        @Override
        public String toString() {
            return "Opened[id=" + session.id() + "]";
        }
    }

    Opened open(ApiTokens.Credential credential, String ip, String userAgent) {
        String secret = Ids.randomToken(52);
        Instant now = clock.instant();
        // Sessions over for a day are of no use to anyone; sign-ins are rare enough to tidy up here.
        long dayAgo = now.minus(Duration.ofDays(1)).toEpochMilli();
        db.write(() -> db.sql()
                .sql("DELETE FROM sessions WHERE expires_at < ? OR ended_at < ?")
                .params(dayAgo, dayAgo)
                .update());
        Session session = new Session(
                Ids.next("ses"),
                credential.user(),
                Ids.randomToken(32),
                now.plus(settings.lifetime()),
                credential.tokenId());
        db.write(() -> db.sql()
                .sql("""
                        INSERT INTO sessions (id, user_id, token_id, secret_hash, csrf_token, created_at, expires_at, ip, user_agent)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        session.id(),
                        credential.user().id(),
                        credential.tokenId(),
                        Users.hash(secret),
                        session.csrfToken(),
                        now.toEpochMilli(),
                        session.expiresAt().toEpochMilli(),
                        ip,
                        userAgent)
                .update());
        return new Opened(session, secret);
    }

    /** The live session this cookie secret opens; empty when unknown, ended, expired, its token is no longer live or its user is deleted. */
    Optional<Session> find(String secret) {
        long now = clock.millis();
        return db.sql()
                .sql("""
                        SELECT s.id AS session_id, s.csrf_token, s.expires_at, s.token_id, u.id, u.name, u.role
                        FROM sessions s JOIN users u ON u.id = s.user_id JOIN api_tokens t ON t.id = s.token_id
                        WHERE s.secret_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?
                          AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
                          AND u.deleted_at IS NULL""")
                .params(Users.hash(secret), now, now)
                .query((rs, n) -> new Session(
                        rs.getString("session_id"),
                        Users.row(rs, n),
                        rs.getString("csrf_token"),
                        Instant.ofEpochMilli(rs.getLong("expires_at")),
                        rs.getString("token_id")))
                .optional();
    }

    /** Signs the session out; once that is stored, {@link AccessEnded} ends what is open with it. */
    void end(Session session) {
        int ended = db.write(() -> db.sql()
                .sql("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
                .params(clock.millis(), session.id())
                .update());
        if (ended > 0) {
            publisher.publishEvent(AccessEnded.sessionEnded(session.user().id(), session.id()));
        }
    }
}
