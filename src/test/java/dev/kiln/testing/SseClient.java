package dev.kiln.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An SSE stream read to its end on a thread of its own: a test asks whether (and waits until) the server ended it. */
public final class SseClient implements AutoCloseable {

    private final InputStream body;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private SseClient(InputStream body) {
        this.body = body;
        Thread.ofVirtual().start(() -> {
            try (body) {
                byte[] buffer = new byte[8192];
                while (body.read(buffer) >= 0) {
                    // what it says does not matter here, only that it goes on
                }
            } catch (IOException e) {
                // dropped: ended all the same
            }
            ended.complete(null);
        });
    }

    /** Opens the stream ({@code Accept: text/event-stream} is added); fails unless it answers 200. */
    public static SseClient open(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(
                        request.header("Accept", "text/event-stream").GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalStateException("no event stream: " + response.statusCode());
        }
        return new SseClient(response.body());
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
}
