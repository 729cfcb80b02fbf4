package dev.kiln.live;

import java.util.Arrays;
import java.util.Optional;
import org.springframework.web.socket.CloseStatus;

/**
 * Why the server closes a WebSocket, and whether the client should reconnect by itself.
 * Documented in docs/protocol.md (a test keeps the two in step).
 */
enum CloseCode {
    GOING_AWAY(1001, true, "server going away (restart or drain); reconnect and resume"),
    BAD_ORIGIN(1008, false, "origin not allowed"),
    TOO_BIG(1009, false, "message too big"),
    INTERNAL(1011, true, "internal error; reconnect and resume"),
    /** Also when the token or session the socket was opened with ends (revoked, expired, signed out). */
    NOT_AUTHENTICATED(4001, false, "not authenticated: get a new ticket or token first"),
    /** The user's role changed and no longer allows what the socket follows. */
    FORBIDDEN(4003, false, "forbidden: the user's role no longer allows what this socket follows"),
    TOO_MANY(4008, false, "too many connections or messages; slow down before trying again"),
    SLOW_CONSUMER(4009, true, "too slow to keep up; reconnect and resume"),
    PING_TIMEOUT(4010, true, "no answer to ping; reconnect and resume");

    final int code;
    final boolean reconnect;
    final String meaning;

    CloseCode(int code, boolean reconnect, String meaning) {
        this.code = code;
        this.reconnect = reconnect;
        this.meaning = meaning;
    }

    static Optional<CloseCode> of(int code) {
        return Arrays.stream(values()).filter(c -> c.code == code).findFirst();
    }

    CloseStatus status(String reason) {
        // A close frame's reason is at most 123 bytes.
        String text = reason.length() > 120 ? reason.substring(0, 120) : reason;
        return new CloseStatus(code, text);
    }
}
