-- Short-lived, single-use tickets that open a WebSocket (browsers cannot send an
-- Authorization header there, and a long-lived token must never travel in a URL).
CREATE TABLE stream_tickets (
    ticket_hash  TEXT PRIMARY KEY,   -- SHA-256 of the ticket
    user_id      TEXT NOT NULL REFERENCES users (id),
    expires_at   BIGINT NOT NULL
);
CREATE INDEX stream_tickets_by_expiry ON stream_tickets (expires_at);
