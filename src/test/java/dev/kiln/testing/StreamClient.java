package dev.kiln.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A WebSocket client of Kiln's stream, as a real client would be: it answers pings (unless told
 * not to) and collects every message. A slow consumer is {@link StalledStreamClient}.
 */
public final class StreamClient implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final boolean answerPings;
    private final WebSocket socket;

    private StreamClient(HttpClient http, URI uri, String origin, boolean answerPings) {
        this.answerPings = answerPings;
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (origin != null) {
            builder.header("Origin", origin);
        }
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /** Connects with a fresh ticket for {@code token}. */
    public static StreamClient connect(Api api, int port, String token) {
        return open(port, "?ticket=" + ticket(api, token), null, true);
    }

    public static StreamClient open(int port, String query, String origin, boolean answerPings) {
        return new StreamClient(
                HttpClient.newHttpClient(),
                URI.create("ws://localhost:" + port + "/api/v1/stream" + query),
                origin,
                answerPings);
    }

    /** A client that answers pings and reads everything, at {@code uri} through {@code http} (say, over TLS). */
    public static StreamClient open(HttpClient http, URI uri, String origin) {
        return new StreamClient(http, uri, origin, true);
    }

    public static String ticket(Api api, String token) {
        Api.Response ticket = api.postEmpty("/api/v1/stream/ticket", token);
        if (ticket.status() != 200) {
            throw new IllegalStateException("no ticket: " + ticket);
        }
        return ticket.json().get("ticket").asString();
    }

    public void send(String json) {
        socket.sendText(json, true).join();
    }

    /** Sends, ignoring failure (the server may already have closed). */
    public void sendQuietly(String json) {
        try {
            socket.sendText(json, true).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closed under us: that is what the caller is testing for
        }
    }

    public boolean closed() {
        return closeCode.isDone();
    }

    /** The next message, or null after {@code patience}. */
    public JsonNode next(Duration patience) throws InterruptedException {
        return messages.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for a message matching {@code wanted}, keeping what came before it in {@code skipped}. */
    public JsonNode await(Predicate<JsonNode> wanted, Duration patience, List<JsonNode> skipped)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode message =
                    messages.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (message == null) {
                break;
            }
            if (wanted.test(message)) {
                return message;
            }
            skipped.add(message);
        }
        throw new AssertionError("no matching message within " + patience + "; got " + skipped);
    }

    public JsonNode await(String type, Duration patience) throws InterruptedException {
        return await(m -> m.path("type").asString("").equals(type), patience, new ArrayList<>());
    }

    /** The close code the server sent, waiting up to {@code patience}. */
    public int closeCode(Duration patience) throws Exception {
        return closeCode.get(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops the connection without a close handshake, as a lost network would. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode message = JSON.readTree(partial.toString());
                partial.setLength(0);
                if (answerPings && message.path("type").asString("").equals("ping")) {
                    webSocket.sendText(
                            "{\"type\":\"pong\",\"ts\":" + message.path("ts").asLong() + "}", true);
                }
                messages.add(message);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(1006);
        }
    }
}
