package dev.kiln.live;

import dev.kiln.auth.Access;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.time.Clock;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Single-use tickets that open a WebSocket. Stored hashed in the database, so a ticket issued by
 * one node opens a socket on any other; redeeming deletes it. A ticket records the credential it
 * was issued with, so the socket ends with it; one whose credential has ended closes as its socket
 * is held ({@link StreamAccess#hold} checks it), before a welcome.
 */
@Component
class StreamTickets {

    private final Database db;
    private final Users users;
    private final Clock clock;
    private final StreamSettings settings;

    StreamTickets(Database db, Users users, Clock clock, StreamSettings settings) {
        this.db = db;
        this.users = users;
        this.clock = clock;
        this.settings = settings;
    }

    String issue(Access access) {
        String ticket = "wst_" + Ids.randomToken(40);
        long now = clock.millis();
        db.write(() -> {
            db.sql()
                    .sql("DELETE FROM stream_tickets WHERE expires_at < ?")
                    .param(now)
                    .update();
            db.sql()
                    .sql("""
                            INSERT INTO stream_tickets (ticket_hash, user_id, token_id, session_id, expires_at)
                            VALUES (?, ?, ?, ?, ?)""")
                    .params(
                            Users.hash(ticket),
                            access.user().id(),
                            access.tokenId(),
                            access.sessionId(),
                            now + settings.ticketTtl().toMillis())
                    .update();
        });
        return ticket;
    }

    /**
     * The access the ticket was issued with (its user as they are now), if the ticket is valid; either
     * way it cannot be used again. Whether that access still lives is the hold's check.
     */
    Optional<Access> redeem(String ticket) {
        record Issued(String userId, String tokenId, String sessionId) {}
        Optional<Issued> issued = db.write(() -> db.sql()
                .sql(
                        "DELETE FROM stream_tickets WHERE ticket_hash = ? RETURNING user_id, token_id, session_id, expires_at")
                .param(Users.hash(ticket))
                .query((rs, n) -> rs.getLong("expires_at") > clock.millis()
                        ? new Issued(rs.getString("user_id"), rs.getString("token_id"), rs.getString("session_id"))
                        : null)
                .optional());
        return issued.flatMap(
                i -> users.findById(i.userId()).map(user -> new Access(user, i.tokenId(), i.sessionId())));
    }
}
