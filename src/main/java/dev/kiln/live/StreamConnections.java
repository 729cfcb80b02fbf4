package dev.kiln.live;

import dev.kiln.api.ClientJson;
import dev.kiln.auth.AllowedOrigins;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventLog;
import dev.kiln.jobs.JobStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every live client on this node: opens WebSockets (origin, ticket), counts WebSockets and SSE
 * streams per user, ticks heartbeats, and on shutdown closes sockets with 1001 and ends streams so
 * clients resume elsewhere or after the restart. It stops after the worker pool has drained, so clients still see released jobs.
 */
@Component
class StreamConnections implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StreamConnections.class);

    private final StreamSettings settings;
    private final JobStore jobs;
    private final EventLog eventLog;
    private final EventHub hub;
    private final Users users;
    private final StreamTickets tickets;
    private final JsonMapper json;
    private final AllowedOrigins origins;
    private final ClientJson clientJson;
    private final Set<StreamConnection> open = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final Set<SseStream> streams = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> streamsPerUser = new ConcurrentHashMap<>();
    private ScheduledExecutorService ticker;
    private volatile boolean accepting;

    StreamConnections(StreamSettings settings, JobStore jobs, EventLog eventLog, EventHub hub, Users users,
            StreamTickets tickets, JsonMapper json, AllowedOrigins origins,
            ClientJson clientJson) {
        this.settings = settings;
        this.jobs = jobs;
        this.eventLog = eventLog;
        this.hub = hub;
        this.users = users;
        this.tickets = tickets;
        this.json = json;
        this.origins = origins;
        this.clientJson = clientJson;
    }

    /** A new socket: known (so its close is always seen) before anything can close it. */
    StreamConnection register(WebSocketSession session) {
        StreamConnection connection = new StreamConnection(session, this);
        open.add(connection);
        return connection;
    }

    /** Admits a registered socket: checks the origin and any ticket, then lets it talk. */
    void accept(StreamConnection connection, WebSocketSession session) {
        if (!accepting) {
            connection.close(CloseCode.GOING_AWAY, "server shutting down");
        } else if (!originAllowed(session.getHandshakeHeaders())) {
            connection.close(CloseCode.BAD_ORIGIN, "origin not allowed");
        } else {
            String ticket = UriComponentsBuilder.fromUri(session.getUri()).build().getQueryParams().getFirst("ticket");
            User user = ticket == null ? null : tickets.redeem(ticket).orElse(null);
            if (ticket != null && user == null) {
                connection.close(CloseCode.NOT_AUTHENTICATED, "the ticket is unknown, used or expired");
            } else {
                connection.start(user);
            }
        }
    }

    /** Counts a connection against its user's limit; false when the user has too many. */
    boolean admit(StreamConnection connection, User user) {
        return take(perUser, user);
    }

    void remove(StreamConnection connection) {
        if (open.remove(connection) && connection.user() != null) {
            give(perUser, connection.user());
        }
    }

    /** Counts an SSE stream against its user's limit (the same number as WebSockets); false when too many. */
    boolean admitStream(User user, SseStream stream) {
        if (!accepting || !take(streamsPerUser, user)) {
            return false;
        }
        streams.add(stream);
        return true;
    }

    void removeStream(User user, SseStream stream) {
        if (streams.remove(stream)) {
            give(streamsPerUser, user);
        }
    }

    private boolean take(Map<String, Integer> counts, User user) {
        boolean[] admitted = {false};
        counts.compute(user.id(), (id, count) -> {
            int current = count == null ? 0 : count;
            if (current >= settings.maxConnectionsPerUser()) {
                return count;
            }
            admitted[0] = true;
            return current + 1;
        });
        return admitted[0];
    }

    private static void give(Map<String, Integer> counts, User user) {
        counts.computeIfPresent(user.id(), (id, count) -> count <= 1 ? null : count - 1);
    }

    /** Kiln's own pages and the allowlisted origins; clients that send no Origin are not browsers. */
    private boolean originAllowed(HttpHeaders headers) {
        return origins.allows(headers.getOrigin(), headers.getFirst(HttpHeaders.HOST));
    }

    StreamSettings settings() {
        return settings;
    }

    JobStore jobs() {
        return jobs;
    }

    EventLog log() {
        return eventLog;
    }

    EventHub hub() {
        return hub;
    }

    Users users() {
        return users;
    }

    JsonMapper json() {
        return json;
    }

    /** For what clients send: bounded in size and depth. */
    ClientJson clientJson() {
        return clientJson;
    }

    @Override
    public void start() {
        accepting = true;
        ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kiln-stream-ticker").factory());
        ticker.scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis();
            for (StreamConnection connection : open) {
                try {
                    connection.tick(now);
                } catch (RuntimeException e) {
                    log.warn("Stream heartbeat failed", e);
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        accepting = false;
        open.forEach(connection -> connection.close(CloseCode.GOING_AWAY, "server shutting down; reconnect and resume"));
        streams.forEach(SseStream::end);
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** Just after the worker pool (which stops first), before the web server. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }
}
