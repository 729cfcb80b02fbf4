package dev.kiln.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP server on 127.0.0.1 that receives webhooks as a user's would: it records every request
 * and answers the statuses a test scripts (200 once the script runs out; a 3xx with a Location to
 * {@code /elsewhere}; {@link #HANG} holds the request until the receiver closes). Signatures are
 * checked here by the Standard Webhooks rules, written apart from Kiln's own code.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** A scripted "answer" that never answers. */
    public static final int HANG = 0;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One request as it arrived: its path, its headers (names in lower case) and its body. */
    public record Received(String path, Map<String, String> headers, String body) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String webhookId() {
            return header("webhook-id");
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The job the message is about. */
        public String jobId() {
            return json().get("data").get("id").asString();
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    public WebhookReceiver() throws IOException {
        this(0);
    }

    /** On {@code port} (0: any free one). */
    public WebhookReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** The statuses of the next requests, in order; 200 after them. */
    public void answer(int... statuses) {
        for (int status : statuses) {
            script.add(status);
        }
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The requests to {@code path}. */
    public List<Received> receivedAt(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Waits (up to 30 s) until {@code path} got {@code count} requests; returns them. */
    public List<Received> await(String path, int count) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> receivedAt(path), got -> got.size() >= count);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestURI().getPath(), headers, body));
        Integer scripted = script.poll();
        int status = scripted == null ? 200 : scripted;
        if (status == HANG) {
            try {
                closing.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        if (status >= 300 && status < 400) {
            exchange.getResponseHeaders().add("Location", url("/elsewhere"));
        }
        // A receiver may answer anything: at a path ending in /binary, bytes that are no text (NULs).
        String nul = exchange.getRequestURI().getPath().endsWith("/binary") ? "\u0000" : "";
        byte[] answer = (nul + "{\"received\":" + received.size() + "}" + nul).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /**
     * Whether {@code request} is signed with {@code secret} as Standard Webhooks says: one of the
     * space-separated {@code v1,<base64>} signatures is HMAC-SHA256 of {@code id.timestamp.body},
     * keyed with the base64-decoded part of the secret after {@code whsec_}.
     */
    public static boolean signedWith(Received request, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            byte[] expected =
                    mac.doFinal((request.webhookId() + "." + request.header("webhook-timestamp") + "." + request.body())
                            .getBytes(StandardCharsets.UTF_8));
            List<byte[]> given = new ArrayList<>();
            for (String signature : request.header("webhook-signature").split(" ")) {
                if (signature.startsWith("v1,")) {
                    given.add(Base64.getDecoder().decode(signature.substring(3)));
                }
            }
            return given.stream().anyMatch(g -> MessageDigest.isEqual(g, expected));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
