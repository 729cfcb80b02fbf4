package dev.kiln.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An SSE stream read to its end on a thread of its own: a test takes the events as they come, and
 * asks whether (and waits until) the server ended it.
 */
public final class SseClient implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One event as read off the wire: {@code id:}, {@code event:} and {@code data:} (JSON). */
    public record Event(long id, String name, JsonNode data) {}

    private final InputStream body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private SseClient(InputStream body) {
        this.body = body;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                read(reader);
            } catch (IOException | RuntimeException e) {
                // dropped (or not an event stream after all): ended all the same
            }
            ended.complete(null);
        });
    }

    /** Opens the stream ({@code Accept: text/event-stream} is added); fails unless it answers 200. */
    public static SseClient open(HttpRequest.Builder request) throws IOException, InterruptedException {
        return open(HttpClient.newHttpClient(), request);
    }

    /** As {@link #open(HttpRequest.Builder)}, through {@code http} (say, one that trusts a test's TLS). */
    public static SseClient open(HttpClient http, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(
                request.header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalStateException("no event stream: " + response.statusCode());
        }
        return new SseClient(response.body());
    }

    /** The next event, or null when none came within {@code patience}. */
    public Event next(Duration patience) throws InterruptedException {
        return events.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Comment lines (keep-alives) read so far. */
    public int comments() {
        return comments.get();
    }

    /** Whether the server ended the stream within {@code patience}. */
    public boolean endsWithin(Duration patience) throws InterruptedException {
        try {
            ended.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    public boolean ended() {
        return ended.isDone();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }

    private void read(BufferedReader reader) throws IOException {
        Long id = null;
        String name = null;
        StringBuilder data = new StringBuilder();
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (id != null) {
                    events.add(new Event(id, name, JSON.readTree(data.toString())));
                }
                id = null;
                name = null;
                data.setLength(0);
            } else if (line.startsWith(":")) {
                comments.incrementAndGet();
            } else if (line.startsWith("id: ")) {
                id = Long.parseLong(line.substring(4));
            } else if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
    }
}
