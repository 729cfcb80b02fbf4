package dev.kiln.live;

import dev.kiln.auth.Access;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class StreamTicketController {

    private final StreamTickets tickets;
    private final StreamSettings settings;

    StreamTicketController(StreamTickets tickets, StreamSettings settings) {
        this.tickets = tickets;
        this.settings = settings;
    }

    record Ticket(String ticket, long expiresIn) {}

    /** A short-lived, single-use ticket: open {@code /api/v1/stream?ticket=…} with it. */
    @PostMapping(path = "/api/v1/stream/ticket", produces = MediaType.APPLICATION_JSON_VALUE)
    Ticket issue(HttpServletRequest request) {
        return new Ticket(
                tickets.issue(Access.of(request)), settings.ticketTtl().toSeconds());
    }
}
