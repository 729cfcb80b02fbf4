package dev.kiln.answers;

import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Streams a reply from an OpenAI-compatible {@code POST /chat/completions} ({@code stream: true}):
 * server-sent {@code data:} lines, each a chunk whose {@code choices[0].delta.content} is the next
 * piece of text, ended by {@code data: [DONE]}. A reply that ends any other way is a failure, never a
 * short answer: the caller has had every piece that did arrive.
 */
@Component
public class ChatCompletions implements AutoCloseable {

    /** One turn of the conversation sent: {@code system}, {@code user} or {@code assistant}. */
    public record Message(String role, String content) {}

    /** A reply that arrived whole, with text; {@code finishReason} as the server gave it ({@code stop}, or none). */
    public record Reply(String text, String finishReason) {}

    private static final String DONE = "[DONE]";

    private final LlmSettings settings;
    private final JsonMapper json;
    /** Null, like {@link #watchdog}, on a node without a server: no client thread, no timer thread. */
    private final HttpClient http;

    private final ScheduledExecutorService watchdog;

    ChatCompletions(LlmSettings settings, JsonMapper json) {
        this.settings = settings;
        this.json = json;
        if (settings.configured()) {
            this.http = HttpClient.newBuilder()
                    .connectTimeout(settings.connectTimeout())
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
            this.watchdog = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("llm-stall-watchdog").factory());
        } else {
            this.http = null;
            this.watchdog = null;
        }
    }

    public boolean configured() {
        return settings.configured();
    }

    public String model() {
        return settings.model();
    }

    /**
     * Sends the conversation and hands each piece of the reply to {@code onDelta} as it arrives.
     * Interrupting the calling thread (a cancel) closes the upstream request.
     *
     * @throws JobFailure {@code llm_unavailable} when the server cannot be reached or is busy before
     *     the reply begins; {@code llm_error} when it refuses the request, the reply breaks off, is
     *     cut at max_tokens or by a content filter, or holds no text
     * @throws InterruptedException when the calling thread was interrupted
     * @throws IllegalStateException when no server is configured ({@link #configured()})
     */
    public Reply stream(List<Message> messages, Consumer<String> onDelta) throws InterruptedException {
        if (!configured()) {
            throw new IllegalStateException("No language model server is configured (kiln.llm.base-url)");
        }
        HttpResponse<InputStream> response = open(messages);
        try (InputStream body = response.body()) {
            Stall stall = new Stall(body);
            try {
                return read(new Watched(body, stall), onDelta);
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("cancelled while the answer streamed");
                }
                throw JobFailure.of(
                        JobErrorCode.LLM_ERROR,
                        stall.fired()
                                ? "The language model stopped sending for too long; the answer is incomplete."
                                : "The connection to the language model broke off; the answer is incomplete.",
                        e);
            } finally {
                stall.cancel();
            }
        } catch (IOException closing) {
            throw JobFailure.of(JobErrorCode.LLM_ERROR, "The connection to the language model broke off.", closing);
        }
    }

    private HttpResponse<InputStream> open(List<Message> messages) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.completionsUri())
                .timeout(settings.connectTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body(messages)));
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            request.header("Authorization", "Bearer " + settings.apiKey());
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw JobFailure.of(JobErrorCode.LLM_UNAVAILABLE, "The language model server could not be reached.", e);
        }
        int status = response.statusCode();
        if (status == 200) {
            return response;
        }
        String detail = errorMessage(response);
        if (status == 429 || status >= 500) {
            throw JobFailure.of(
                    JobErrorCode.LLM_UNAVAILABLE,
                    "The language model server is busy or failing (HTTP " + status + ").",
                    new IOException(detail));
        }
        throw JobFailure.of(
                JobErrorCode.LLM_ERROR,
                "The language model server refused the request (HTTP " + status + "); an administrator should check"
                        + " kiln.llm.model and kiln.llm.api-key.",
                new IOException(detail));
    }

    private String body(List<Message> messages) {
        ObjectNode body = json.createObjectNode();
        body.put("model", settings.model() == null ? "" : settings.model());
        body.put("stream", true);
        body.put("max_tokens", settings.maxTokens());
        ArrayNode list = body.putArray("messages");
        for (Message message : messages) {
            list.addObject().put("role", message.role()).put("content", message.content());
        }
        return json.writeValueAsString(body);
    }

    private Reply read(InputStream body, Consumer<String> onDelta) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        StringBuilder text = new StringBuilder();
        String finishReason = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (!line.startsWith("data:")) {
                continue; // blank separators, comments (": keep-alive"), event names
            }
            String data = line.substring(5).strip();
            if (data.equals(DONE)) {
                return whole(text.toString(), finishReason);
            }
            JsonNode chunk = parse(data);
            if (chunk.has("error")) {
                throw JobFailure.of(
                        JobErrorCode.LLM_ERROR,
                        "The language model reported an error while answering; the answer is incomplete.",
                        new IOException(chunk.get("error").toString()));
            }
            JsonNode choice = chunk.path("choices").path(0);
            String piece = choice.path("delta").path("content").asString("");
            if (!piece.isEmpty()) {
                text.append(piece);
                onDelta.accept(piece);
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asString();
            }
        }
        throw new IOException("the stream ended without [DONE]");
    }

    /**
     * A reply that ended cleanly is still no answer when the model was cut off ({@code length}: it
     * reached max_tokens, which a reasoning model can spend on thinking alone; {@code content_filter})
     * or wrote nothing: shown as finished, it would pass for a whole answer.
     */
    private Reply whole(String text, String finishReason) {
        if ("length".equals(finishReason)) {
            throw JobFailure.of(
                    JobErrorCode.LLM_ERROR,
                    "The answer reached its length limit (kiln.llm.max-tokens, " + settings.maxTokens()
                            + " tokens) before it ended; it is incomplete. An administrator can raise"
                            + " kiln.llm.max-tokens.");
        }
        if ("content_filter".equals(finishReason)) {
            throw JobFailure.of(
                    JobErrorCode.LLM_ERROR,
                    "The language model server's content filter stopped the answer; it is incomplete.");
        }
        if (text.isBlank()) {
            throw JobFailure.of(
                    JobErrorCode.LLM_ERROR, "The language model ended its reply without writing an answer.");
        }
        return new Reply(text, finishReason);
    }

    private JsonNode parse(String data) {
        try {
            return json.readTree(data);
        } catch (RuntimeException e) {
            throw JobFailure.of(
                    JobErrorCode.LLM_ERROR, "The language model server sent something that is not an answer.", e);
        }
    }

    /**
     * The start of an error's body, for the log. The request timeout ended with the headers, so the
     * whole read gets one stall timeout: a proxy that sends 503 and then nothing would otherwise hold
     * the attempt until the processor's time limit, failing as {@code timeout} instead of retried.
     */
    private String errorMessage(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            Stall stall = new Stall(body);
            try {
                byte[] head = body.readNBytes(2_000);
                return "HTTP " + response.statusCode() + ": " + new String(head, StandardCharsets.UTF_8);
            } finally {
                stall.cancel();
            }
        } catch (IOException e) {
            return "HTTP " + response.statusCode();
        }
    }

    @Override
    public void close() {
        if (http != null) {
            watchdog.shutdownNow();
            http.close();
        }
    }

    /**
     * The body, each read that brings bytes putting the stall off: kiln.llm.stall-timeout is a time
     * without a byte, so a long line that trickles in is not a stall.
     */
    private static final class Watched extends FilterInputStream {
        private final Stall stall;

        Watched(InputStream body, Stall stall) {
            super(body);
            this.stall = stall;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                stall.reset();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                stall.reset();
            }
            return n;
        }
    }

    /**
     * Closes the body when the stall timeout passes without a {@link #reset}, which ends the blocked
     * read. Started with the body, since the request's own timeout ends with the response's headers.
     */
    private final class Stall {
        private final InputStream body;
        private volatile boolean fired;
        private ScheduledFuture<?> timer;

        Stall(InputStream body) {
            this.body = body;
            reset();
        }

        synchronized void reset() {
            if (timer != null) {
                timer.cancel(false);
            }
            timer = watchdog.schedule(this::fire, settings.stallTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void fire() {
            fired = true;
            try {
                body.close();
            } catch (IOException ignored) {
                // closing is the point; the reader sees the failure
            }
        }

        boolean fired() {
            return fired;
        }

        synchronized void cancel() {
            timer.cancel(false);
        }
    }
}
