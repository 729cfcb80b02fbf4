package dev.kiln.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of an {@link S3Server} that answers some requests itself with an S3 error,
 * as a real object store does when it throttles ({@code 503 SlowDown}), fails ({@code 500
 * InternalError}) or refuses a key ({@code 403 InvalidAccessKeyId} — S3Mock checks no signatures).
 * Everything else is forwarded unchanged. It counts every request it saw.
 */
public final class FaultyS3Proxy implements AutoCloseable {

    /** An S3 error answer. */
    public record Fault(int status, String code, String message) {
        public static final Fault SLOW_DOWN = new Fault(503, "SlowDown", "Please reduce your request rate.");
        public static final Fault INTERNAL_ERROR =
                new Fault(500, "InternalError", "We encountered an internal error. Please try again.");
        public static final Fault INVALID_ACCESS_KEY = new Fault(
                403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    }

    /** Headers the JDK's client sets itself, or that describe this hop only. */
    private static final Set<String> HOP = Set.of(
            "host",
            "content-length",
            "connection",
            "expect",
            "transfer-encoding",
            "upgrade",
            "keep-alive",
            "date",
            "via",
            "warning",
            "from");

    private final HttpServer server;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private volatile Fault fault;

    private FaultyS3Proxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public static FaultyS3Proxy in(S3Server s3) throws IOException {
        return new FaultyS3Proxy(s3.endpoint());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next {@code times} requests get {@code answer}; Integer.MAX_VALUE: every one from now on. */
    public void failNext(int times, Fault answer) {
        fault = answer;
        faultsLeft.set(times);
    }

    /** Requests seen since the last call. */
    public int takeRequestCount() {
        return requests.getAndSet(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (faultsLeft.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
                answer(exchange, fault);
                return;
            }
            forward(exchange, body);
        }
    }

    private static void answer(HttpExchange exchange, Fault fault) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + fault.code() + "</Code><Message>"
                        + fault.message() + "</Message><RequestId>fault</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(fault.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(fault.status(), xml.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(xml);
        }
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> header :
                exchange.getRequestHeaders().entrySet()) {
            if (!HOP.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
                header.getValue().forEach(v -> request.header(header.getKey(), v));
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        boolean empty = exchange.getRequestMethod().equals("HEAD") || response.body().length == 0;
        if (exchange.getRequestMethod().equals("HEAD")) {
            response.headers()
                    .firstValue("content-length")
                    .ifPresent(length -> exchange.getResponseHeaders().set("Content-Length", length));
        }
        exchange.sendResponseHeaders(response.statusCode(), empty ? -1 : response.body().length);
        if (!empty) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
