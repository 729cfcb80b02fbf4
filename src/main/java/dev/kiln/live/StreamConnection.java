package dev.kiln.live;

import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.events.EventSink;
import dev.kiln.events.JobEvent;
import dev.kiln.live.ClientMessage.Auth;
import dev.kiln.live.ClientMessage.Invalid;
import dev.kiln.live.ClientMessage.Pong;
import dev.kiln.live.ClientMessage.Problem;
import dev.kiln.live.ClientMessage.Subscribe;
import dev.kiln.live.ClientMessage.Unknown;
import dev.kiln.live.ClientMessage.Unsubscribe;
import dev.kiln.live.StreamSender.SendFailed;
import dev.kiln.live.WireEvents.WireEvent;
import io.github.bucket4j.Bucket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.WebSocketSession;

/**
 * One WebSocket client, run as an actor: one drain at a time owns everything about the
 * connection — it takes the client's messages and the live events from one bounded inbox, keeps
 * the client's {@link Subscriptions} and writes to the socket ({@link StreamSender}). Producers
 * only ever {@code offer} to the inbox; when it is full the client is too slow and is closed
 * (4009), to reconnect and replay, so it never holds up a worker or another client. It is held
 * with the credential it authenticated with ({@link StreamAccess}) and closes when that ends.
 */
final class StreamConnection implements EventSink, AccessHolder {

    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);
    private static final long AUTH_TIMEOUT_MILLIS = 10_000;
    private static final String TOO_SLOW = "too slow to keep up; reconnect and resume";
    private static final Duration CLOSE_TIME_LIMIT = Duration.ofSeconds(10);

    /** Work the actor does for itself. */
    private enum Tick {
        WELCOME,
        CLOSED
    }

    /** An event for "my jobs", already judged worth listing. */
    private record Listed(WireEvent event) {}

    /** The user's role changed: keep on as {@code now} if that may see everything followed. */
    private record RoleChange(User now) {}

    /** A followed job (or, {@code listed}, one of "my jobs") was deleted. */
    private record Deleted(String jobId, boolean listed) {}

    private final WebSocketSession session;
    private final StreamConnections connections;
    private final StreamSettings settings;
    private final StreamMetrics.Transport metrics;
    private final BlockingQueue<Object> inbox;
    private final long openedAt = System.currentTimeMillis();
    private final StreamSender sender;
    private final Subscriptions subscriptions;
    private final MessageAssembly assembly;
    /** Client messages per second: {@code messagesPerSecond} sustained, as many again as a burst. */
    private final Bucket inbound;

    private volatile User user;
    /** The credential it authenticated with, and its user as this connection knows them. */
    private volatile Access access;
    /** The client address this connection is counted against, once it is. */
    private volatile String address;

    private volatile long lastPingAt = System.currentTimeMillis();
    /** When the unanswered ping was written (0: none); a pong clears it the moment it arrives. */
    private volatile long pingOutstandingSince;
    /** A ping is to be sent ahead of anything queued: its deadline is the client's, not our queue's. */
    private volatile boolean pingDue;

    /** No more work for this client: we are closing it, or its socket closed. */
    private volatile boolean closed;
    /** We closed it (once). Apart from {@link #closed}: the container may close first (below). */
    private boolean closing;

    private final AtomicBoolean scheduled = new AtomicBoolean();

    StreamConnection(WebSocketSession session, StreamConnections connections) {
        this.session = session;
        this.connections = connections;
        this.settings = connections.settings();
        this.metrics = connections.metrics().websocket;
        // Linked: an idle connection holds no buffer, only what is actually queued.
        this.inbox = new LinkedBlockingQueue<>(settings.outboundBuffer());
        this.sender = new StreamSender(session, connections.json(), metrics);
        // "My jobs" events are filtered where they are produced: what a list does not show never queues.
        this.subscriptions = new Subscriptions(
                connections, sender, this, EventSink.of(this::deliverListed, job -> offer(new Deleted(job, true))));
        this.assembly = new MessageAssembly(settings.maxMessageSize().toBytes());
        this.inbound = Bucket.builder().addLimit(connections.inboundLimit()).build();
    }

    void start(Access authenticated) {
        try {
            sender.start(settings.sendTimeLimit().toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (authenticated != null) {
            authenticated(authenticated);
        }
    }

    User user() {
        return user;
    }

    @Override
    public Access access() {
        return access;
    }

    @Override
    public void credentialEnded(String why) {
        close(CloseCode.NOT_AUTHENTICATED, "access ended: " + why);
    }

    @Override
    public void roleChanged(User now) {
        if (now.isWorker()) {
            close(CloseCode.FORBIDDEN, "access ended: the user is now a worker, which follows no jobs");
        } else if (!enqueue(new RoleChange(now))) {
            close(CloseCode.FORBIDDEN, "access ended: the user's role changed");
        }
    }

    void counted(String clientAddress) {
        this.address = clientAddress;
    }

    String address() {
        return address;
    }

    /** A part of a client message (on the container's thread); the last part completes it. */
    void receivePart(String part, boolean last) {
        try {
            String whole = assembly.add(part, last);
            if (whole != null) {
                receive(whole);
            }
        } catch (MessageAssembly.TooBig e) {
            close(CloseCode.TOO_BIG, "messages may be at most " + assembly.maxSize() + " bytes");
        }
    }

    /** A message from the client (on the container's thread): rate-checked, parsed, then queued. */
    private void receive(String text) {
        if (!inbound.tryConsume(1)) {
            close(CloseCode.TOO_MANY, "more than " + settings.messagesPerSecond() + " messages per second");
            return;
        }
        ClientMessage message = ClientMessage.parse(text, connections.clientJson());
        if (message instanceof Pong && user != null) {
            pingOutstandingSince = 0; // at once: a pong must not wait behind the events queued for the client
        } else if (!enqueue(message)) {
            // The inbox is full because we cannot write to this client fast enough, not because it floods.
            close(CloseCode.SLOW_CONSUMER, TOO_SLOW);
        }
    }

    /** A live event of a followed job (on the committing thread): queued, never waited for. */
    @Override
    public void deliver(JobEvent event) {
        offer(connections.wireEvents().of(event));
    }

    /** A followed job was deleted (on the deleting thread): queued behind its events. */
    @Override
    public void deleted(String jobId) {
        offer(new Deleted(jobId, false));
    }

    private void deliverListed(JobEvent event) {
        if (!closed && subscriptions.worthListing(event)) {
            offer(new Listed(connections.wireEvents().of(event)));
        }
    }

    /** What a producer hands over, on its thread: queued, or the client is too slow ({@link #dropped}). */
    private void offer(Object item) {
        if (!closed && !enqueue(item)) {
            dropped();
        }
    }

    /** A live event found the inbox full: the client is too slow; it replays from the log after reconnecting. */
    private void dropped() {
        metrics.dropped.increment();
        close(CloseCode.SLOW_CONSUMER, TOO_SLOW);
    }

    /** Called every second: authentication deadline, pings, pong deadline. */
    void tick(long now) {
        if (closed) {
            return;
        }
        if (user == null) {
            if (now - openedAt > AUTH_TIMEOUT_MILLIS) {
                close(CloseCode.NOT_AUTHENTICATED, "no authentication within 10 s");
            }
            return;
        }
        long outstanding = pingOutstandingSince;
        if (outstanding != 0 && now - outstanding > settings.pongTimeout().toMillis()) {
            close(
                    CloseCode.PING_TIMEOUT,
                    "no pong within " + settings.pongTimeout().toSeconds() + " s");
        } else if (outstanding == 0
                && !pingDue
                && now - lastPingAt >= settings.pingInterval().toMillis()) {
            lastPingAt = now;
            pingDue = true;
            schedule();
        }
    }

    /**
     * Closes the socket with {@code code}; safe from any thread, once. A send that outlasts its
     * time limit also makes the container close the socket, sometimes before the drain hears of
     * it: that client was still cut off for being slow, and is counted so.
     */
    void close(CloseCode code, String reason) {
        synchronized (this) {
            if (closing || (closed && code != CloseCode.SLOW_CONSUMER)) {
                return; // the socket closed already: only a cut for slowness is still to count
            }
            closing = true;
            closed = true;
        }
        if (code == CloseCode.SLOW_CONSUMER) {
            metrics.slowConsumerCloses.increment();
            sender.allowForClose(CLOSE_TIME_LIMIT.toMillis());
        }
        // Closing can wait on a send in progress (bounded by the send time limit): not on the caller's thread.
        Thread.ofVirtual().start(() -> {
            try {
                session.close(code.status(reason));
            } catch (IOException | RuntimeException e) {
                log.debug("Closing stream {} failed", session.getId(), e);
            }
        });
    }

    /** The socket is closed (by either side): let go of every subscription. */
    void closed() {
        closed = true;
        inbox.clear(); // nothing queued matters any more; make room for the release
        enqueue(Tick.CLOSED);
    }

    /**
     * Queues work for the actor and makes sure it runs: at most one drain per connection at a
     * time, on a virtual thread started only when there is work, so an idle connection holds no
     * thread at all.
     */
    private boolean enqueue(Object item) {
        boolean taken = inbox.offer(item);
        schedule();
        return taken;
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            Thread.ofVirtual().name("kiln-stream-" + session.getId()).start(this::drain);
        }
    }

    private void drain() {
        try {
            for (Object item = next(); item != null; item = next()) {
                if (item == Tick.CLOSED) {
                    subscriptions.releaseAll();
                    connections.remove(this);
                    return;
                }
                if (!closed) {
                    act(item);
                }
            }
        } catch (SendFailed e) {
            close(
                    e.timedOut ? CloseCode.SLOW_CONSUMER : CloseCode.INTERNAL,
                    e.timedOut ? "send timed out" : "send failed");
        } catch (RuntimeException e) {
            log.error("Stream {} failed", session.getId(), e);
            close(CloseCode.INTERNAL, "internal error");
        } finally {
            scheduled.set(false);
        }
        if (!inbox.isEmpty() || pingDue) {
            schedule(); // work that arrived while this drain was finishing
        }
    }

    /**
     * The next item, after a due ping. What was sent stays batched while more is queued and is
     * written once the inbox runs dry: a burst of events costs one write, not one each.
     */
    private Object next() {
        if (pingDue && !closed) {
            ping();
        }
        Object item = inbox.poll();
        if (item == null && !closed) {
            sender.flush();
            item = inbox.poll();
        }
        return item;
    }

    private void ping() {
        pingDue = false;
        long now = System.currentTimeMillis();
        pingOutstandingSince = now; // before the send: the pong may be back before it returns
        sender.send(sender.message("ping").put("ts", now));
        sender.flush();
    }

    private void act(Object item) {
        switch (item) {
            case WireEvent event -> subscriptions.onLive(event);
            case Listed listed -> subscriptions.onListed(listed.event());
            case RoleChange change -> narrow(change.now());
            case Deleted deleted -> subscriptions.onDeleted(deleted.jobId(), deleted.listed());
            case ClientMessage message -> {
                sender.flush(); // handling may read the database: what is batched goes out first
                handle(message);
            }
            case Tick t
            when t == Tick.WELCOME ->
                sender.send(sender.message("welcome")
                        .put("user", user.name())
                        .put("pingInterval", settings.pingInterval().toMillis()));
            default -> throw new IllegalStateException("unexpected " + item);
        }
    }

    private void handle(ClientMessage message) {
        switch (message) {
            case Invalid invalid -> sender.sendError(invalid.problem());
            case Auth auth when user == null -> authenticate(auth.token());
            case ClientMessage other
            when user == null ->
                close(
                        CloseCode.NOT_AUTHENTICATED,
                        "send {\"type\":\"auth\",\"token\":…} first, or connect with a ticket");
            case Subscribe subscribe -> subscriptions.subscribe(user, subscribe);
            case Unsubscribe unsubscribe -> subscriptions.unsubscribe(unsubscribe);
            case Pong pong -> pingOutstandingSince = 0;
            case Auth again -> sender.sendError(Problem.of("bad_message", "This connection is already authenticated."));
            case Unknown unknown ->
                sender.sendError(Problem.of("unknown_type", "Unknown message type '" + unknown.type() + "'."));
        }
    }

    private void authenticate(String token) {
        connections.authenticateToken(this, token).ifPresent(this::authenticated);
    }

    private void authenticated(Access who) {
        if (!connections.admit(this, who.user())) {
            close(CloseCode.TOO_MANY, "more than " + settings.maxConnectionsPerUser() + " connections for this user");
            return;
        }
        access = who;
        user = who.user();
        connections.access().hold(this); // access already ended closes it here; the drain then skips the welcome
        lastPingAt = System.currentTimeMillis();
        enqueue(Tick.WELCOME);
    }

    /** In the actor: a role that may no longer see a followed job closes the socket (4003); else it carries on as {@code now}. */
    private void narrow(User now) {
        String hidden = subscriptions.firstNotVisibleTo(now);
        if (hidden != null) {
            close(CloseCode.FORBIDDEN, "access ended: the user's role changed and may no longer follow " + hidden);
        } else {
            user = now;
            access = access.as(now);
        }
    }
}
