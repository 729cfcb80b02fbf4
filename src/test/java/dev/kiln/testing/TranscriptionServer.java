package dev.kiln.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real HTTP server speaking OpenAI's {@code POST /audio/transcriptions}, standing in for a remote
 * transcription engine that misbehaves on cue. Each engine is a path ({@code /<engine>/audio/transcriptions})
 * with a script: for the n-th request carrying a given chunk of audio, answer it, fail with a status,
 * hang, or trickle an answer that never ends (to see the client go away). A chunk is known by its
 * content; its number is the order in which the server first saw it. An answer says {@code "chunk <n>"}
 * over the chunk's whole length, with two words.
 */
public final class TranscriptionServer implements AutoCloseable {

    /** How to answer one request. */
    public record Reply(int status) {
        static final int HANG = -1;
        static final int TRICKLE = -2;

        public static Reply ok() {
            return new Reply(200);
        }

        public static Reply status(int status) {
            return new Reply(status);
        }

        /** Never answers (until the server closes). */
        public static Reply hang() {
            return new Reply(HANG);
        }

        /** Starts a 200 answer and sends a space now and then, never finishing, until the client hangs up. */
        public static Reply trickle() {
            return new Reply(TRICKLE);
        }
    }

    /** The answer to the {@code request}-th request (from 1) carrying chunk number {@code chunk} (from 0). */
    @FunctionalInterface
    public interface Script {
        Reply reply(int chunk, int request);
    }

    /**
     * What one request carried: its form fields (the file's part as its size), Authorization header,
     * and whether it went to {@code /audio/translations} (else {@code /audio/transcriptions}).
     */
    public record Received(int chunk, String authorization, Map<String, List<String>> fields, boolean translation) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern FIELD_NAME = Pattern.compile("[; ]name=\"([^\"]*)\"");

    private final HttpServer server;
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, List<String>> chunkKeys = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, AtomicInteger>> counts = new ConcurrentHashMap<>();
    private final Map<String, List<Received>> received = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> abandoned = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private TranscriptionServer(HttpServer server) {
        this.server = server;
    }

    public static TranscriptionServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            TranscriptionServer s = new TranscriptionServer(server);
            server.createContext("/", s::handle);
            server.start();
            return s;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base URL of {@code engine}: what {@code kiln.transcribe.engines.<name>.base-url} is set to. */
    public String baseUrl(String engine) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + engine;
    }

    public TranscriptionServer script(String engine, Script script) {
        scripts.put(engine, script);
        return this;
    }

    /** Forgets what was received (chunk numbers start from 0 again). */
    public void reset() {
        chunkKeys.clear();
        counts.clear();
        received.clear();
        inFlight.clear();
        abandoned.clear();
    }

    /** Requests per chunk number, in chunk order. */
    public Map<Integer, Integer> requestsPerChunk(String engine) {
        Map<Integer, Integer> per = new TreeMap<>();
        counts.getOrDefault(engine, Map.of()).forEach((chunk, n) -> per.put(chunk, n.get()));
        return per;
    }

    public List<Received> received(String engine) {
        return List.copyOf(received.getOrDefault(engine, List.of()));
    }

    /** Requests the server is answering now. */
    public int inFlight(String engine) {
        return counter(inFlight, engine).get();
    }

    /** Trickled answers whose client hung up. */
    public int abandoned(String engine) {
        return counter(abandoned, engine).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String engine = path.length > 1 ? path[1] : "";
            Script script = scripts.get(engine);
            boolean translation = exchange.getRequestURI().getPath().endsWith("/audio/translations");
            if (script == null
                    || !exchange.getRequestMethod().equals("POST")
                    || !(translation || exchange.getRequestURI().getPath().endsWith("/audio/transcriptions"))) {
                send(exchange, 404, "{\"error\":{\"message\":\"no such engine\"}}");
                return;
            }
            Map<String, List<String>> fields = new LinkedHashMap<>();
            byte[] file = parse(exchange, fields);
            int chunk = chunkNumber(engine, file);
            int request = counts.computeIfAbsent(engine, e -> new ConcurrentHashMap<>())
                    .computeIfAbsent(chunk, c -> new AtomicInteger())
                    .incrementAndGet();
            received.computeIfAbsent(engine, e -> new CopyOnWriteArrayList<>())
                    .add(new Received(
                            chunk, exchange.getRequestHeaders().getFirst("Authorization"), fields, translation));
            counter(inFlight, engine).incrementAndGet();
            try {
                answer(
                        exchange,
                        engine,
                        script.reply(chunk, request),
                        chunk,
                        (file.length - 44) / 32_000.0,
                        translation);
            } finally {
                counter(inFlight, engine).decrementAndGet();
            }
        }
    }

    private void answer(
            HttpExchange exchange, String engine, Reply reply, int chunk, double seconds, boolean translation)
            throws IOException {
        switch (reply.status()) {
            case Reply.HANG -> {
                try {
                    closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case Reply.TRICKLE -> trickle(exchange, engine);
            case 200 -> send(exchange, 200, JSON.writeValueAsString(transcript(chunk, seconds, translation)));
            default ->
                send(
                        exchange,
                        reply.status(),
                        "{\"error\":{\"message\":\"scripted failure\",\"type\":\"server_error\"}}");
        }
    }

    private void trickle(HttpExchange exchange, String engine) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            while (closing.getCount() > 0) {
                out.write(' ');
                out.flush();
                closing.await(20, TimeUnit.MILLISECONDS);
            }
        } catch (IOException gone) {
            counter(abandoned, engine).incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the engine heard in a chunk: "Chunk n." (a translation: "Translated chunk n.", as OpenAI's, without words). */
    private static ObjectNode transcript(int chunk, double seconds, boolean translation) {
        String text = (translation ? "Translated chunk " : "Chunk ") + chunk + ".";
        ObjectNode body = JSON.createObjectNode()
                .put("task", translation ? "translate" : "transcribe")
                .put("language", "english")
                .put("duration", seconds)
                .put("text", text);
        body.putArray("segments")
                .addObject()
                .put("id", 0)
                .put("start", 0.0)
                .put("end", seconds)
                .put("text", " " + text);
        if (translation) {
            return body;
        }
        ArrayNode words = body.putArray("words");
        words.addObject().put("word", "Chunk").put("start", 0.0).put("end", seconds / 2);
        words.addObject().put("word", chunk + ".").put("start", seconds / 2).put("end", seconds);
        return body;
    }

    private int chunkNumber(String engine, byte[] file) {
        String key = TestBytes.sha256(file);
        List<String> keys = chunkKeys.computeIfAbsent(engine, e -> new ArrayList<>());
        synchronized (keys) {
            if (!keys.contains(key)) {
                keys.add(key);
            }
            return keys.indexOf(key);
        }
    }

    /** The multipart form: text fields into {@code fields}, the {@code file} part's bytes returned. */
    private static byte[] parse(HttpExchange exchange, Map<String, List<String>> fields) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        byte[] body = exchange.getRequestBody().readAllBytes();
        byte[] delimiter =
                ("\r\n--" + type.substring(type.indexOf("boundary=") + 9)).getBytes(StandardCharsets.US_ASCII);
        byte[] file = new byte[0];
        // The body starts with the delimiter without its leading CRLF.
        int at = indexOf(body, Arrays.copyOfRange(delimiter, 2, delimiter.length), 0);
        while (at >= 0) {
            int headersStart = indexOf(body, "\r\n".getBytes(StandardCharsets.US_ASCII), at) + 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), headersStart);
            int next = indexOf(body, delimiter, headersEnd);
            if (headersEnd < 0 || next < 0) {
                break;
            }
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            Matcher named = FIELD_NAME.matcher(headers);
            String name = named.find() ? named.group(1) : "";
            byte[] content = Arrays.copyOfRange(body, headersEnd + 4, next);
            if (name.equals("file")) {
                file = content;
                fields.computeIfAbsent(name, n -> new ArrayList<>()).add(content.length + " bytes");
            } else {
                fields.computeIfAbsent(name, n -> new ArrayList<>()).add(new String(content, StandardCharsets.UTF_8));
            }
            at = next + 2;
        }
        return file;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static AtomicInteger counter(Map<String, AtomicInteger> counters, String engine) {
        return counters.computeIfAbsent(engine, e -> new AtomicInteger());
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
