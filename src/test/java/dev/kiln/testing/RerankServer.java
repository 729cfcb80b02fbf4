package dev.kiln.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real HTTP server speaking the Cohere/Jina {@code POST /rerank} shape, standing in for the rerank
 * server a user runs (none is reachable here). Each test scripts the next answers: a deterministic
 * ranking (documents holding a word first, otherwise the reverse of the order sent), or a failure —
 * a status, a stall with no answer, or a 200 whose body is not a ranking. It records every request.
 */
public final class RerankServer implements AutoCloseable {

    /** How the server answers until told otherwise. */
    public static final class Script {
        private final String preferred;
        private final int status;
        private final String body;
        private final boolean stall;
        private final CountDownLatch released = new CountDownLatch(1);

        private Script(String preferred, int status, String body, boolean stall) {
            this.preferred = preferred;
            this.status = status;
            this.body = body;
            this.stall = stall;
        }

        /** Ranks the documents sent in reverse order. */
        public static Script reverse() {
            return new Script(null, 200, null, false);
        }

        /** Ranks the documents holding {@code word} (any case) first; within each group, in reverse order. */
        public static Script preferring(String word) {
            return new Script(word.toLowerCase(Locale.ROOT), 200, null, false);
        }

        /** Answers this status with a JSON error body. */
        public static Script status(int status) {
            return new Script(null, status, "{\"message\":\"scripted failure\"}", false);
        }

        /** Answers 200 with this body, whatever was sent. */
        public static Script body(String body) {
            return new Script(null, 200, body, false);
        }

        /** Answers nothing until the next script or the end. */
        public static Script stall() {
            return new Script(null, 200, null, true);
        }

        /** The indices of {@code documents} as this script ranks them, best first. */
        public List<Integer> order(List<String> documents) {
            Comparator<Integer> holdsWordFirst = Comparator.comparing(i -> preferred == null
                    || !documents.get(i).toLowerCase(Locale.ROOT).contains(preferred));
            return IntStream.range(0, documents.size())
                    .boxed()
                    .sorted(holdsWordFirst.thenComparing(Comparator.reverseOrder()))
                    .toList();
        }

        /** The documents as this script ranks them, best first. */
        public List<String> ranked(List<String> documents) {
            return order(documents).stream().map(documents::get).toList();
        }

        /** The score this script gives the document it ranks at {@code place} (from 0) of {@code count}. */
        public static double score(int place, int count) {
            return (double) (count - place) / count;
        }
    }

    /** What one request carried. */
    public record Received(String path, String authorization, JsonNode body) {
        public String query() {
            return body.path("query").asString();
        }

        public List<String> documents() {
            return RerankServer.documents(body);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Script script = Script.reverse();

    public RerankServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/rerank", this::handle);
        server.start();
    }

    /** The base URL to configure as {@code kiln.search.rerank.base-url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers this way from now on; a stalled request is let go. */
    public void next(Script next) {
        Script before = script;
        script = next;
        before.released.countDown();
    }

    public Script script() {
        return script;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received last() {
        return received.getLast();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Script now = script;
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        received.add(new Received(
                exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Authorization"), body));
        try {
            if (now.stall) {
                now.released.await();
                return;
            }
            answer(exchange, now.status, now.body != null ? now.body : ranking(now, body));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private static List<String> documents(JsonNode body) {
        List<String> documents = new ArrayList<>();
        body.path("documents").forEach(d -> documents.add(d.asString()));
        return documents;
    }

    private static String ranking(Script now, JsonNode body) {
        List<String> documents = documents(body);
        List<Integer> order = now.order(documents);
        int topN = body.path("top_n").asInt(documents.size());
        ObjectNode answer = JSON.createObjectNode();
        answer.put("model", body.path("model").asString("stand-in"));
        ArrayNode results = answer.putArray("results");
        for (int place = 0; place < Math.min(topN, order.size()); place++) {
            results.addObject()
                    .put("index", order.get(place))
                    .put("relevance_score", Script.score(place, order.size()));
        }
        return JSON.writeValueAsString(answer);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        script.released.countDown();
        server.stop(0);
    }
}
