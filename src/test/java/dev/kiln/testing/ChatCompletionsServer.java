package dev.kiln.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real HTTP server speaking the OpenAI chat-completions streaming wire format, standing in for the
 * language model server a user runs (none is reachable here). Each test scripts the next reply:
 * pieces of text at a pace, then {@code [DONE]}, or an error, a dropped connection or a stall part
 * way. It records what it was sent and whether the client went away while it was still sending.
 */
public final class ChatCompletionsServer implements AutoCloseable {

    /**
     * How a scripted reply ends after its pieces: {@code LENGTH} and {@code CONTENT_FILTER} end cleanly
     * ({@code [DONE]}) with that {@code finish_reason}, as a model cut at max_tokens or by a filter does.
     * {@code STALL} after an error status: the headers and half the body, then nothing (a stuck proxy).
     */
    public enum Ending {
        DONE,
        LENGTH,
        CONTENT_FILTER,
        ERROR_IN_STREAM,
        DROP,
        STALL
    }

    /**
     * The next reply: its HTTP status (200 to stream), its pieces, the pause between them, its ending;
     * {@code trickle}: each line is sent in {@value #SLICES} slices with the pause between them too.
     */
    public record Script(int status, List<String> pieces, Duration pace, Ending ending, boolean trickle) {
        public static Script answer(String... pieces) {
            return new Script(200, List.of(pieces), Duration.ZERO, Ending.DONE, false);
        }

        public static Script status(int status) {
            return new Script(status, List.of(), Duration.ZERO, Ending.DONE, false);
        }

        public Script paced(Duration pace) {
            return new Script(status, pieces, pace, ending, trickle);
        }

        public Script endingWith(Ending how) {
            return new Script(status, pieces, pace, how, trickle);
        }

        /** Each line's bytes spread over {@value #SLICES} paces: a slow link, not a silent one. */
        public Script trickled() {
            return new Script(status, pieces, pace, ending, true);
        }
    }

    private static final int SLICES = 10;

    /** What one request carried. */
    public record Received(String authorization, String body) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private Script script = Script.answer("Hello", " world."); // guarded by this, like then
    private Script then;
    private final Map<String, Script> byWord = new ConcurrentHashMap<>();
    private volatile CountDownLatch clientGone = new CountDownLatch(1);

    public ChatCompletionsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL to configure as {@code kiln.llm.base-url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public synchronized void next(Script next) {
        next(next, null);
    }

    /**
     * The next request gets {@code once} and every later one {@code after}: a job's retry meets the
     * second reply however soon it comes, with no race between the test and the retry.
     */
    public synchronized void next(Script once, Script after) {
        script = once;
        then = after;
        clientGone = new CountDownLatch(1);
    }

    private synchronized Script take() {
        Script now = script;
        if (then != null) {
            script = then;
            then = null;
        }
        return now;
    }

    /**
     * The reply to any request whose body holds {@code word} (a question's word), whatever {@link
     * #next} says: for a script in another process (a browser test) that asks several questions.
     */
    public void on(String word, Script reply) {
        byWord.put(word, reply);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Counted down when a write to the client failed because it closed the connection. */
    public CountDownLatch clientGone() {
        return clientGone;
    }

    private void handle(HttpExchange exchange) throws IOException {
        CountDownLatch gone = clientGone;
        Received request = new Received(
                exchange.getRequestHeaders().getFirst("Authorization"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        received.add(request);
        Script now = byWord.entrySet().stream()
                .filter(e -> request.body().contains(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseGet(this::take);
        if (now.status() != 200) {
            byte[] body = ("{\"error\":{\"message\":\"scripted\",\"type\":\"server_error\",\"code\":" + now.status()
                            + "}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (now.ending() == Ending.STALL) {
                stallMidError(exchange, now.status(), body, gone);
                return;
            }
            exchange.sendResponseHeaders(now.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            stream(now, out);
        } catch (IOException e) {
            gone.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private void stallMidError(HttpExchange exchange, int status, byte[] body, CountDownLatch gone) throws IOException {
        exchange.sendResponseHeaders(status, 0);
        try {
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            released.await();
        } catch (IOException e) {
            gone.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private void stream(Script now, OutputStream out) throws IOException, InterruptedException {
        for (String piece : now.pieces()) {
            if (now.trickle()) {
                trickle(out, chunk(piece, null), now.pace());
            } else {
                send(out, chunk(piece, null));
            }
            Thread.sleep(now.pace()); // the pace of a model's tokens, not a wait in a test
        }
        switch (now.ending()) {
            case DONE -> {
                send(out, chunk(null, "stop"));
                send(out, "[DONE]");
            }
            case LENGTH -> {
                send(out, chunk(null, "length"));
                send(out, "[DONE]");
            }
            case CONTENT_FILTER -> {
                send(out, chunk(null, "content_filter"));
                send(out, "[DONE]");
            }
            case ERROR_IN_STREAM -> send(out, "{\"error\":{\"message\":\"model crashed\",\"type\":\"server_error\"}}");
            case DROP -> {} // closed without [DONE]
            case STALL -> released.await(); // open and silent until the server stops
        }
    }

    private static String chunk(String content, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("object", "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (content != null) {
            delta.put("content", content);
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return JSON.writeValueAsString(chunk);
    }

    private static void trickle(OutputStream out, String data, Duration pace) throws IOException, InterruptedException {
        byte[] line = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        int slice = Math.ceilDiv(line.length, SLICES);
        for (int from = 0; from < line.length; from += slice) {
            out.write(line, from, Math.min(slice, line.length - from));
            out.flush();
            Thread.sleep(pace); // a slow link's pace, not a wait in a test
        }
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }
}
