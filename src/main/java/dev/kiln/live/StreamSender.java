package dev.kiln.live;

import dev.kiln.live.ClientMessage.Problem;
import dev.kiln.live.WireEvents.WireEvent;
import dev.kiln.support.Texts;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes one client's messages, only ever from its actor's drain. Messages are batched: they go
 * into the container's output buffer, which is written when it fills or on {@link #flush()}, so a
 * burst of events costs one write to the socket rather than one each.
 */
final class StreamSender {

    private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    /** A send that failed; after the send time limit it failed because the client is too slow. */
    static final class SendFailed extends RuntimeException {
        final boolean timedOut;

        SendFailed(IOException cause) {
            super(cause);
            this.timedOut = cause.getCause() instanceof TimeoutException
                    || cause instanceof SocketTimeoutException
                    || String.valueOf(cause.getMessage())
                            .toLowerCase(Locale.ROOT)
                            .contains("timeout");
        }
    }

    private final WebSocketSession session;
    /** The container's endpoint, when it is a Jakarta WebSocket one (it batches); else Spring's sends. */
    private final RemoteEndpoint.Basic remote;

    private final JsonMapper json;
    private final StreamMetrics.Transport metrics;
    private boolean unflushed;

    StreamSender(WebSocketSession session, JsonMapper json, StreamMetrics.Transport metrics) {
        this.session = session;
        this.json = json;
        this.metrics = metrics;
        this.remote = session instanceof NativeWebSocketSession nativeSession
                        && nativeSession.getNativeSession() instanceof Session container
                ? container.getBasicRemote()
                : null;
    }

    /** Before the first message: a send to a client that stopped reading fails after {@code millis} (too slow). */
    void start(long sendTimeLimitMillis) throws IOException {
        if (session instanceof NativeWebSocketSession nativeSession
                && nativeSession.getNativeSession() instanceof Session container) {
            container.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, sendTimeLimitMillis);
            container.getBasicRemote().setBatchingAllowed(true);
        }
    }

    /**
     * The close frame of a client cut off for being slow may wait up to {@code millis} behind what
     * it has not read yet: a client that catches up then learns why (4009) and resumes, rather
     * than seeing the connection drop (1006) after an ordinary send's time limit.
     */
    void allowForClose(long millis) {
        if (session instanceof NativeWebSocketSession nativeSession
                && nativeSession.getNativeSession() instanceof Session container) {
            try {
                container.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, millis);
            } catch (IllegalStateException e) {
                // closed meanwhile (the container closes a socket whose send timed out): nothing to wait for
            }
        }
    }

    ObjectNode message(String type) {
        return json.createObjectNode().put("type", type);
    }

    void send(ObjectNode message) {
        // Errors echo what the client sent, which may hold half a character: UTF-8 cannot carry that.
        send(Texts.wellFormed(json.writeValueAsString(message)));
    }

    void send(WireEvent event) {
        send(event.message());
    }

    /** A live event (not a replayed one): its delivery time is measured. */
    void sendLive(WireEvent event) {
        send(event.message());
        metrics.delivered(event.event());
    }

    void sendError(Problem problem) {
        ObjectNode message = message("error").put("code", problem.code()).put("message", problem.message());
        if (problem.job() != null) {
            message.put("job", problem.job());
        }
        send(message);
    }

    /** Writes whatever is batched. */
    void flush() {
        if (!unflushed) {
            return;
        }
        unflushed = false;
        if (remote != null) {
            try {
                remote.flushBatch();
            } catch (IOException e) {
                throw new SendFailed(e);
            }
        }
    }

    private void send(String text) {
        try {
            if (remote != null) {
                remote.sendText(text);
                unflushed = true;
            } else {
                session.sendMessage(new TextMessage(text));
            }
            metrics.sent.increment();
        } catch (IOException e) {
            throw new SendFailed(e);
        } catch (IllegalStateException e) {
            throw new SendFailed(new IOException("the socket closed while sending", e)); // the client went away
        }
    }
}
