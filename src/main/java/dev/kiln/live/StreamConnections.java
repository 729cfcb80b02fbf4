package dev.kiln.live;

import dev.kiln.api.ClientJson;
import dev.kiln.auth.Access;
import dev.kiln.auth.AllowedOrigins;
import dev.kiln.auth.ApiTokens;
import dev.kiln.auth.User;
import dev.kiln.drain.DrainOrder;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventLog;
import dev.kiln.jobs.JobStore;
import dev.kiln.limits.ClientAddress;
import dev.kiln.limits.CredentialFailures;
import io.github.bucket4j.Bandwidth;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * streams per user and per client address, ticks heartbeats, and on shutdown (step 3 of the drain, {@link DrainOrder})
 * closes sockets with 1001, ends SSE streams and answers long polls, so clients resume on another node or after the
 * restart. From then on it admits no new socket (closed with 1001 at once) and no new stream (503).
 */
@Component
class StreamConnections implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(StreamConnections.class);

    private final StreamSettings settings;
    private final JobStore jobs;
    private final EventLog eventLog;
    private final EventHub hub;
    private final ApiTokens tokens;
    private final StreamTickets tickets;
    private final JsonMapper json;
    private final AllowedOrigins origins;
    private final ClientJson clientJson;
    private final StreamMetrics metrics;
    private final WireEvents wireEvents;
    private final StreamAccess access;
    private final CredentialFailures failures;
    /** Each socket's inbound rate: one figure for all, each socket its own bucket. */
    private final Bandwidth inboundLimit;

    private final Set<StreamConnection> open = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Set<SseStream> streams = ConcurrentHashMap.newKeySet();
    private final Set<Semaphore> waits = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> streamsPerUser = new ConcurrentHashMap<>();
    private final Map<String, Integer> streamsPerAddress = new ConcurrentHashMap<>();
    private ScheduledExecutorService ticker;
    private volatile boolean accepting;

    StreamConnections(
            StreamSettings settings,
            JobStore jobs,
            EventLog eventLog,
            EventHub hub,
            ApiTokens tokens,
            StreamTickets tickets,
            JsonMapper json,
            AllowedOrigins origins,
            ClientJson clientJson,
            StreamMetrics metrics,
            WireEvents wireEvents,
            StreamAccess access,
            CredentialFailures failures) {
        this.settings = settings;
        this.jobs = jobs;
        this.eventLog = eventLog;
        this.hub = hub;
        this.tokens = tokens;
        this.tickets = tickets;
        this.json = json;
        this.origins = origins;
        this.clientJson = clientJson;
        this.metrics = metrics;
        this.wireEvents = wireEvents;
        this.access = access;
        this.failures = failures;
        int perSecond = Math.max(1, settings.messagesPerSecond());
        this.inboundLimit = Bandwidth.builder()
                .capacity(perSecond)
                .refillGreedy(perSecond, Duration.ofSeconds(1))
                .build();
        metrics.websocket.connections(open::size);
        metrics.sse.connections(streams::size);
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
        } else if (!admitAddress(connection, session)) {
            connection.close(
                    CloseCode.TOO_MANY,
                    "more than " + settings.maxConnectionsPerIp() + " connections from this address");
        } else {
            String ticket = UriComponentsBuilder.fromUri(session.getUri())
                    .build()
                    .getQueryParams()
                    .getFirst("ticket");
            if (ticket == null) {
                connection.start(null);
            } else {
                authenticate(connection, ticket, tickets::redeem, true, "the ticket is unknown, used or expired")
                        .ifPresent(connection::start);
            }
        }
    }

    /**
     * The access {@code credential} (a ticket or a token) gives; empty when refused, and then the
     * socket is closed. A refused one counts against the client address (once a window, however often
     * it comes again; a ticket too, though never remembered as working), which past its limit is
     * refused a token before it is checked, unless that token authenticated from there lately
     * (limits.CredentialFailures). A ticket is always checked: single-use and short-lived, it was
     * issued moments ago to a credential that passed that check over HTTP.
     */
    Optional<Access> authenticateToken(StreamConnection connection, String token) {
        return authenticate(
                connection,
                token,
                t -> tokens.authenticate(t).map(Access::of),
                false,
                "the token is unknown, revoked or expired");
    }

    private Optional<Access> authenticate(
            StreamConnection connection,
            String credential,
            Function<String, Optional<Access>> check,
            boolean ticket,
            String refusal) {
        long wait = ticket || credential == null ? 0 : failures.refusedFor(connection.address(), credential);
        if (wait > 0) {
            connection.close(
                    CloseCode.TOO_MANY, "too many refused credentials from this address; try again in " + wait + " s");
            return Optional.empty();
        }
        Optional<Access> found = credential == null ? Optional.empty() : check.apply(credential);
        if (found.isEmpty()) {
            failures.failed(connection.address(), credential); // the same one again is not counted again
            connection.close(CloseCode.NOT_AUTHENTICATED, refusal);
        } else if (!ticket) {
            failures.worked(connection.address(), credential);
        }
        return found;
    }

    /** Counts a connection against its user's limit; false when the user has too many. */
    boolean admit(StreamConnection connection, User user) {
        return take(perUser, user.id(), settings.maxConnectionsPerUser());
    }

    /** Counts a connection against its client address's limit, before anything else; false when it has too many. */
    private boolean admitAddress(StreamConnection connection, WebSocketSession session) {
        InetSocketAddress remote = session.getRemoteAddress();
        String address =
                ClientAddress.of(remote == null ? null : remote.getAddress().getHostAddress());
        if (!take(perAddress, address, settings.maxConnectionsPerIp())) {
            return false;
        }
        connection.counted(address);
        return true;
    }

    void remove(StreamConnection connection) {
        access.release(connection);
        if (open.remove(connection)) {
            if (connection.user() != null) {
                give(perUser, connection.user().id());
            }
            if (connection.address() != null) {
                give(perAddress, connection.address());
            }
        }
    }

    /** Why an SSE stream was not admitted. */
    enum StreamRefusal {
        SHUTTING_DOWN,
        TOO_MANY_FOR_USER,
        TOO_MANY_FOR_ADDRESS
    }

    /**
     * Counts an SSE stream against its user's and its client address's limits (the same numbers as
     * WebSockets); empty when admitted.
     */
    Optional<StreamRefusal> admitStream(User user, String address, SseStream stream) {
        if (!accepting) {
            return Optional.of(StreamRefusal.SHUTTING_DOWN);
        }
        if (!take(streamsPerUser, user.id(), settings.maxConnectionsPerUser())) {
            return Optional.of(StreamRefusal.TOO_MANY_FOR_USER);
        }
        if (!take(streamsPerAddress, address, settings.maxConnectionsPerIp())) {
            give(streamsPerUser, user.id());
            return Optional.of(StreamRefusal.TOO_MANY_FOR_ADDRESS);
        }
        // Added, then checked again, as admitWait does: a drain that began meanwhile has either seen
        // this stream (and ends it) or is seen here; else the stream ran on past the drain.
        streams.add(stream);
        if (!accepting) {
            removeStream(user, address, stream);
            return Optional.of(StreamRefusal.SHUTTING_DOWN);
        }
        return Optional.empty();
    }

    /**
     * A long poll about to wait: false when the node is draining (answer at once instead). A wait
     * admitted here is released by {@link #stop()}.
     */
    boolean admitWait(Semaphore wait) {
        waits.add(wait);
        if (!accepting) {
            waits.remove(wait);
            return false;
        }
        return true;
    }

    void removeWait(Semaphore wait) {
        waits.remove(wait);
    }

    void removeStream(User user, String address, SseStream stream) {
        if (streams.remove(stream)) {
            give(streamsPerUser, user.id());
            give(streamsPerAddress, address);
        }
    }

    /** @param max at most this many per key; 0 or less: no limit (still counted) */
    private static boolean take(Map<String, Integer> counts, String key, int max) {
        boolean[] admitted = {false};
        counts.compute(key, (k, count) -> {
            int current = count == null ? 0 : count;
            if (max > 0 && current >= max) {
                return count;
            }
            admitted[0] = true;
            return current + 1;
        });
        return admitted[0];
    }

    private static void give(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
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

    JsonMapper json() {
        return json;
    }

    StreamMetrics metrics() {
        return metrics;
    }

    WireEvents wireEvents() {
        return wireEvents;
    }

    /** Where streams are held with the credential they were opened with, to end with it. */
    StreamAccess access() {
        return access;
    }

    /** Client messages per second on one socket: {@code messagesPerSecond} sustained, as many again as a burst. */
    Bandwidth inboundLimit() {
        return inboundLimit;
    }

    /** For what clients send: bounded in size and depth. */
    ClientJson clientJson() {
        return clientJson;
    }

    @Override
    public void start() {
        accepting = true;
        ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("kiln-stream-ticker").factory());
        ticker.scheduleAtFixedRate(
                () -> {
                    long now = System.currentTimeMillis();
                    for (StreamConnection connection : open) {
                        try {
                            connection.tick(now);
                        } catch (RuntimeException e) {
                            log.warn("Stream heartbeat failed", e);
                        }
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        accepting = false;
        open.forEach(
                connection -> connection.close(CloseCode.GOING_AWAY, "server shutting down; reconnect and resume"));
        streams.forEach(SseStream::end);
        waits.forEach(Semaphore::release);
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** After claiming stopped and the readiness delay, before running jobs get their grace. */
    @Override
    public int getPhase() {
        return DrainOrder.CLOSE_STREAMS;
    }
}
