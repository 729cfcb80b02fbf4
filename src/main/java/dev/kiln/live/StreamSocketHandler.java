package dev.kiln.live;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/** Routes the container's WebSocket callbacks to each client's {@link StreamConnection}. */
@Component
class StreamSocketHandler extends TextWebSocketHandler {

    private final StreamConnections connections;
    private final StreamMetrics metrics;
    private final Map<String, StreamConnection> bySession = new ConcurrentHashMap<>();

    StreamSocketHandler(StreamConnections connections, StreamMetrics metrics) {
        this.connections = connections;
        this.metrics = metrics;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        // Recorded before it is admitted: admitting may close it, and the close must find it here.
        StreamConnection connection = connections.register(session);
        bySession.put(session.getId(), connection);
        connections.accept(connection, session);
    }

    /**
     * Messages may arrive in parts: the container's per-connection text buffer is kept small (it is
     * allocated for every idle socket), and the rare longer message is assembled here, up to the
     * configured maximum.
     */
    @Override
    public boolean supportsPartialMessages() {
        return true;
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        StreamConnection connection = bySession.get(session.getId());
        if (connection != null) {
            connection.receivePart(message.getPayload(), message.isLast());
        }
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        metrics.closed(status.getCode());
        StreamConnection connection = bySession.remove(session.getId());
        if (connection != null) {
            connection.closed();
        }
    }
}
