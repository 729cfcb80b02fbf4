package dev.kiln.live;

import dev.kiln.auth.ApiTokens;
import dev.kiln.auth.User;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventKind;
import dev.kiln.events.EventSink;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.Job;
import dev.kiln.support.Ids;
import dev.kiln.support.Texts;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One WebSocket client, run as an actor: one drain at a time owns everything about the
 * connection — it takes the client's messages and the live events from one bounded inbox, keeps
 * one {@link JobFollow} per followed job and writes to the socket. Producers only ever {@code offer} to the inbox; when
 * it is full the client is too slow and is closed (4009), to reconnect and replay, so it never
 * holds up a worker or another client.
 */
final class StreamConnection implements EventSink {

    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);
    private static final long AUTH_TIMEOUT_MILLIS = 10_000;
    private static final long MINE_PROGRESS_SPACING_MILLIS = 1_000;
    private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    /** What arrives in the inbox besides live events. */
    private record ClientMessage(String text) {
    }

    /** Work the actor does for itself. */
    private enum Tick { PING, WELCOME, CLOSED }

    private record Followed(JobFollow follow, EventHub.Subscription subscription) {
    }

    /** An event for "my jobs", already judged worth listing. */
    private record Listed(JobEvent event) {
    }

    private final WebSocketSession session;
    private final StreamConnections connections;
    private final StreamSettings settings;
    private final StreamMetrics.Transport metrics;
    private final BlockingQueue<Object> inbox;
    private final long openedAt = System.currentTimeMillis();
    private final Map<String, Followed> follows = new HashMap<>();
    /** Per job, when "my jobs" last passed on its progress; touched on producers' threads. */
    private final Map<String, Long> mineProgressSentAt = new ConcurrentHashMap<>();
    /** "My jobs" events are filtered where they are produced: what a list does not show never queues. */
    private final EventSink mineSink = this::deliverListed;
    private final InboundRate inboundRate;
    /** A client message arriving in parts; only the container's thread touches it. */
    private StringBuilder assembling;
    private EventHub.Subscription mine;
    private volatile User user;
    /** The client address this connection is counted against, once it is. */
    private volatile String address;
    private volatile long lastPingAt = System.currentTimeMillis();
    private volatile long pingOutstandingSince;
    private volatile boolean closed;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    StreamConnection(WebSocketSession session, StreamConnections connections) {
        this.session = session;
        this.connections = connections;
        this.settings = connections.settings();
        this.metrics = connections.metrics().websocket;
        // Linked: an idle connection holds no buffer, only what is actually queued.
        this.inbox = new LinkedBlockingQueue<>(settings.outboundBuffer());
        this.inboundRate = new InboundRate(settings.messagesPerSecond());
    }

    void start(User authenticated) {
        // A send to a client that stopped reading fails after this long (and the client is closed as too slow).
        if (session instanceof NativeWebSocketSession nativeSession
                && nativeSession.getNativeSession() instanceof jakarta.websocket.Session container) {
            container.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, settings.sendTimeLimit().toMillis());
        }
        if (authenticated != null) {
            authenticated(authenticated);
        }
    }

    User user() {
        return user;
    }

    void counted(String clientAddress) {
        this.address = clientAddress;
    }

    String address() {
        return address;
    }

    /** A part of a client message (on the container's thread); the last part completes it. */
    void receivePart(String part, boolean last) {
        if (assembling == null && last) {
            receive(part);
            return;
        }
        if (assembling == null) {
            assembling = new StringBuilder(part.length() * 2);
        }
        assembling.append(part);
        if (assembling.length() > settings.maxMessageSize().toBytes()) {
            assembling = null;
            close(CloseCode.TOO_BIG, "messages may be at most " + settings.maxMessageSize().toBytes() + " bytes");
        } else if (last) {
            String whole = assembling.toString();
            assembling = null;
            receive(whole);
        }
    }

    /** A message from the client (on the container's thread): rate-checked, then queued. */
    private void receive(String text) {
        if (!inboundRate.tryTake()) {
            close(CloseCode.TOO_MANY, "more than " + settings.messagesPerSecond() + " messages per second");
        } else if (!enqueue(new ClientMessage(text))) {
            // The inbox is full because we cannot write to this client fast enough, not because it floods.
            close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect and resume");
        }
    }

    /** A live event (on the committing thread): queued, never waited for. */
    @Override
    public void deliver(JobEvent event) {
        if (!closed && !enqueue(event)) {
            dropped();
        }
    }

    private void deliverListed(JobEvent event) {
        if (!closed && worthListing(event) && !enqueue(new Listed(event))) {
            dropped();
        }
    }

    /** A live event found the inbox full: the client is too slow; it replays from the log after reconnecting. */
    private void dropped() {
        metrics.dropped.increment();
        close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect and resume");
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
            close(CloseCode.PING_TIMEOUT, "no pong within " + settings.pongTimeout().toSeconds() + " s");
        } else if (outstanding == 0 && now - lastPingAt >= settings.pingInterval().toMillis()) {
            lastPingAt = now;
            pingOutstandingSince = now;
            if (!enqueue(Tick.PING)) {
                close(CloseCode.SLOW_CONSUMER, "too slow to keep up; reconnect and resume");
            }
        }
    }

    /** Closes the socket with {@code code}; safe from any thread, once. */
    void close(CloseCode code, String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (code == CloseCode.SLOW_CONSUMER) {
            metrics.slowConsumerCloses.increment();
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
            Object item;
            while ((item = inbox.poll()) != null) {
                if (item == Tick.CLOSED) {
                    release();
                    return;
                }
                if (!closed) {
                    act(item);
                }
            }
        } catch (SendFailed e) {
            close(e.timedOut ? CloseCode.SLOW_CONSUMER : CloseCode.INTERNAL, e.timedOut ? "send timed out" : "send failed");
        } catch (RuntimeException e) {
            log.error("Stream {} failed", session.getId(), e);
            close(CloseCode.INTERNAL, "internal error");
        } finally {
            scheduled.set(false);
        }
        if (!inbox.isEmpty()) {
            schedule(); // work that arrived while this drain was finishing
        }
    }

    private void act(Object item) {
        switch (item) {
            case ClientMessage m -> handle(m.text());
            case JobEvent e -> onLive(e);
            case Listed l -> onListed(l.event());
            case Tick t when t == Tick.PING -> send(message("ping").put("ts", System.currentTimeMillis()));
            case Tick t when t == Tick.WELCOME -> send(message("welcome").put("user", user.name())
                    .put("pingInterval", settings.pingInterval().toMillis()));
            default -> throw new IllegalStateException("unexpected " + item);
        }
    }

    /** The socket is gone: every subscription goes with it. */
    private void release() {
        follows.values().forEach(f -> f.subscription().close());
        follows.clear();
        if (mine != null) {
            mine.close();
            mine = null;
        }
        connections.remove(this);
    }

    private void handle(String text) {
        JsonNode msg;
        try {
            msg = connections.clientJson().read(text);
        } catch (StreamConstraintsException e) {
            sendError("malformed_json", connections.clientJson().describe(e), null);
            return;
        } catch (JacksonException e) {
            sendError("malformed_json", "The message is not valid JSON.", null);
            return;
        }
        if (msg == null || !msg.isObject() || !msg.path("type").isString()) {
            sendError("bad_message", "A message is a JSON object with a string \"type\".", null);
            return;
        }
        String type = msg.get("type").asString();
        if (user == null) {
            if (type.equals("auth")) {
                authenticate(msg);
            } else {
                close(CloseCode.NOT_AUTHENTICATED, "send {\"type\":\"auth\",\"token\":…} first, or connect with a ticket");
            }
            return;
        }
        switch (type) {
            case "subscribe" -> subscribe(msg);
            case "unsubscribe" -> unsubscribe(msg);
            case "pong" -> pingOutstandingSince = 0;
            case "auth" -> sendError("bad_message", "This connection is already authenticated.", null);
            default -> sendError("unknown_type", "Unknown message type '" + type + "'.", null);
        }
    }

    private void authenticate(JsonNode msg) {
        JsonNode token = msg.get("token");
        Optional<User> found = token != null && token.isString()
                ? connections.tokens().authenticate(token.asString()).map(ApiTokens.Credential::user)
                : Optional.empty();
        if (found.isEmpty()) {
            close(CloseCode.NOT_AUTHENTICATED, "the token is unknown, revoked or expired");
        } else {
            authenticated(found.get());
        }
    }

    private void authenticated(User who) {
        if (!connections.admit(this, who)) {
            close(CloseCode.TOO_MANY, "more than " + settings.maxConnectionsPerUser() + " connections for this user");
            return;
        }
        user = who;
        lastPingAt = System.currentTimeMillis();
        enqueue(Tick.WELCOME);
    }

    private void subscribe(JsonNode msg) {
        JsonNode jobs = msg.get("jobs");
        JsonNode mineField = msg.get("mine");
        if (jobs == null && mineField == null) {
            sendError("bad_message", "subscribe needs \"jobs\": [{\"id\": …, \"after\"?: seq}] or \"mine\": true.", null);
            return;
        }
        if (jobs != null && !jobs.isArray()) {
            sendError("bad_message", "\"jobs\" must be an array.", null);
            return;
        }
        if (jobs != null) {
            // One follow per job however often a message names it: a repeated id must not repeat a replay.
            Map<String, Long> wanted = new LinkedHashMap<>();
            for (JsonNode item : jobs) {
                JsonNode id = item.isString() ? item : item.get("id");
                JsonNode after = item.isObject() ? item.get("after") : null;
                if (id == null || !id.isString()) {
                    sendError("bad_message", "Each job is \"job_…\" or {\"id\": \"job_…\", \"after\"?: seq}.", null);
                } else if (after != null && !after.isNull() && (!after.isIntegralNumber() || after.asLong() < 0)) {
                    sendError("bad_message", "\"after\" must be a seq (an integer, 0 or more).", id.asString());
                } else {
                    wanted.put(id.asString(), after == null || after.isNull() ? null : after.asLong());
                }
            }
            wanted.forEach(this::follow);
        }
        if (mineField != null) {
            if (!mineField.isBoolean()) {
                sendError("bad_message", "\"mine\" must be true or false.", null);
            } else if (mineField.asBoolean() && mine == null) {
                mine = connections.hub().followOwner(user.id(), mineSink);
                send(message("subscribed").put("mine", true));
            }
        }
    }

    /**
     * Follows a job: subscribe to live events first, then read, so nothing can slip between.
     * Without {@code after}: a snapshot, then events after its seq. With it: the events after it
     * ({@code recovered: true}), or, when the server cannot replay from there, a fresh snapshot
     * ({@code recovered: false}).
     */
    private void follow(String id, Long after) {
        Followed previous = follows.remove(id);
        if (previous != null) {
            previous.subscription().close();
        }
        if (follows.size() >= settings.maxSubscriptions()) {
            sendError("too_many_subscriptions", "A connection may follow at most " + settings.maxSubscriptions() + " jobs.", id);
            return;
        }
        if (!Ids.looksLike("job", id)) {
            sendError("job_not_found", "No job " + id + ".", id);
            return;
        }
        EventHub.Subscription subscription = connections.hub().followJob(id, this);
        Optional<Job> job;
        try {
            job = connections.jobs().find(id, user);
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        if (job.isEmpty()) {
            subscription.close();
            sendError("job_not_found", "No job " + id + ".", id);
            return;
        }
        Job snapshot = job.get();
        boolean replay = after != null && after <= snapshot.seq();
        JobFollow follow = new JobFollow(id, replay ? after : snapshot.seq(), connections.log());
        follows.put(id, new Followed(follow, subscription));
        ObjectNode subscribed = message("subscribed").put("job", id);
        if (after != null) {
            subscribed.put("recovered", replay);
            metrics.resubscribed(replay);
        }
        send(subscribed);
        if (replay) {
            for (List<JobEvent> page = follow.nextFromLog(); !page.isEmpty(); page = follow.nextFromLog()) {
                sendEvents(page);
            }
        } else {
            ObjectNode message = message("snapshot");
            message.set("job", connections.json().valueToTree(snapshot));
            send(message);
        }
    }

    private void unsubscribe(JsonNode msg) {
        JsonNode jobs = msg.get("jobs");
        if (jobs != null) {
            if (!jobs.isArray()) {
                sendError("bad_message", "\"jobs\" must be an array of job ids.", null);
                return;
            }
            for (JsonNode id : jobs) {
                Followed followed = id.isString() ? follows.remove(id.asString()) : null;
                if (followed != null) {
                    followed.subscription().close();
                }
            }
        }
        if (msg.path("mine").asBoolean(false) && mine != null) {
            mine.close();
            mine = null;
            mineProgressSentAt.clear();
        }
    }

    private void onLive(JobEvent event) {
        Followed followed = follows.get(event.job());
        if (followed != null) {
            sendEvents(followed.follow().onLive(event));
        }
    }

    /** A "my jobs" event; a job followed on its own gets its events from its follow instead. */
    private void onListed(JobEvent event) {
        if (mine != null && !follows.containsKey(event.job())) {
            sendEvents(List.of(event));
        }
    }

    /** "My jobs" is for list views: every state, error and result; progress at most once a second per job. */
    private boolean worthListing(JobEvent event) {
        return switch (event.kind()) {
            case PARTIAL -> false;
            case PROGRESS -> {
                long now = System.currentTimeMillis();
                Long last = mineProgressSentAt.get(event.job());
                if (last != null && now - last < MINE_PROGRESS_SPACING_MILLIS) {
                    yield false;
                }
                mineProgressSentAt.put(event.job(), now);
                yield true;
            }
            case STATE -> {
                if (JobFollow.isTerminal(event)) {
                    mineProgressSentAt.remove(event.job()); // keeps the map to jobs that are running
                }
                yield true;
            }
            case RESULT, ERROR -> true;
        };
    }

    private void sendEvents(List<JobEvent> events) {
        for (JobEvent event : events) {
            ObjectNode message = message("event");
            message.setAll((ObjectNode) connections.json().valueToTree(event));
            send(message);
        }
    }

    private void sendError(String code, String detail, String job) {
        ObjectNode message = message("error").put("code", code).put("message", detail);
        if (job != null) {
            message.put("job", job);
        }
        send(message);
    }

    private ObjectNode message(String type) {
        return connections.json().createObjectNode().put("type", type);
    }

    private void send(ObjectNode message) {
        if (closed) {
            return;
        }
        try {
            // Errors echo what the client sent, which may hold half a character: UTF-8 cannot carry that.
            session.sendMessage(new TextMessage(Texts.wellFormed(connections.json().writeValueAsString(message))));
            metrics.sent.increment();
        } catch (IOException e) {
            throw new SendFailed(e);
        }
    }

    /** A send that failed; after the send time limit it failed because the client is too slow. */
    private static final class SendFailed extends RuntimeException {
        final boolean timedOut;

        SendFailed(IOException cause) {
            super(cause);
            this.timedOut = cause.getCause() instanceof java.util.concurrent.TimeoutException
                    || cause instanceof java.net.SocketTimeoutException
                    || String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timeout");
        }
    }

    /** A token bucket: {@code perSecond} sustained, the same again as a burst. */
    private static final class InboundRate {
        private final double perSecond;
        private double tokens;
        private long refilledAt = System.nanoTime();

        InboundRate(int perSecond) {
            this.perSecond = perSecond;
            this.tokens = perSecond;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(perSecond, tokens + (now - refilledAt) / 1e9 * perSecond);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
