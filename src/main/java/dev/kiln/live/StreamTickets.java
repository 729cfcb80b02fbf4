package dev.kiln.live;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import java.time.Clock;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Single-use tickets that open a WebSocket. Stored hashed in the database, so a ticket issued by
 * one node opens a socket on any other; redeeming deletes it.
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

    String issue(User user) {
        String ticket = "wst_" + Ids.randomToken(40);
        long now = clock.millis();
        db.write(() -> {
            db.sql()
                    .sql("DELETE FROM stream_tickets WHERE expires_at < ?")
                    .param(now)
                    .update();
            db.sql()
                    .sql("INSERT INTO stream_tickets (ticket_hash, user_id, expires_at) VALUES (?, ?, ?)")
                    .params(
                            Users.hash(ticket),
                            user.id(),
                            now + settings.ticketTtl().toMillis())
                    .update();
        });
        return ticket;
    }

    /** The user the ticket was issued to, if it is valid; either way it cannot be used again. */
    Optional<User> redeem(String ticket) {
        Optional<String> userId = db.write(() -> db.sql()
                .sql("DELETE FROM stream_tickets WHERE ticket_hash = ? RETURNING user_id, expires_at")
                .param(Users.hash(ticket))
                .query((rs, n) -> rs.getLong("expires_at") > clock.millis() ? rs.getString("user_id") : null)
                .optional());
        return userId.flatMap(users::findById);
    }
}
