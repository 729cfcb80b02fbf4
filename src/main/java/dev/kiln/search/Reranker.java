package dev.kiln.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The client of a rerank server ({@link RerankSettings}): {@code POST /rerank} with the query and the
 * candidates' texts, {@code results[].index} and {@code relevance_score} back. Whatever goes wrong —
 * unreachable, slower than the timeout, a non-2xx status, a body that is not a ranking of what was
 * sent — is a {@link Failure}, never an exception: search keeps its fused order and says why.
 */
@Component
class Reranker implements AutoCloseable {

    static final String RETRIEVER = "rerank";

    private static final Logger log = LoggerFactory.getLogger(Reranker.class);
    private static final String OK = "ok";

    /** Why a list kept its fused order; {@code code} is what a search answer and the metrics name. */
    enum Failure {
        UNREACHABLE("unreachable"),
        TIMEOUT("timeout"),
        REJECTED("rejected"),
        MALFORMED("malformed");

        final String code;

        Failure(String code) {
            this.code = code;
        }

        static Optional<Failure> of(String code) {
            for (Failure f : values()) {
                if (f.code.equals(code)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }
    }

    /** A candidate's place: its index in what was sent and the reranker's score (higher is better). */
    record Ranked(int index, double score) {}

    /** What one call came to. */
    sealed interface Outcome {
        /** The candidates the reranker ranked, best first (it may leave some out). */
        record Ordered(List<Ranked> ranking) implements Outcome {}

        record Failed(Failure failure) implements Outcome {}
    }

    /** For {@code GET /admin/search/status}: whether one is set up, and how this node's last call went. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Status(boolean configured, String model, Integer candidates, String lastOutcome) {}

    private final RerankSettings settings;
    private final JsonMapper json;
    /** Null on a node without a reranker: no client thread. */
    private final HttpClient http;

    private final Counter ok;
    private final Map<Failure, Counter> failed = new EnumMap<>(Failure.class);
    /** The last call's outcome code on this node, to log a change once rather than every search. */
    private final AtomicReference<String> last = new AtomicReference<>();

    Reranker(RerankSettings settings, JsonMapper json, MeterRegistry meters) {
        this.settings = settings;
        this.json = json;
        this.http = settings.configured()
                ? HttpClient.newBuilder()
                        .connectTimeout(settings.timeout())
                        .version(HttpClient.Version.HTTP_1_1)
                        .build()
                : null;
        this.ok = calls(meters, OK);
        for (Failure f : Failure.values()) {
            failed.put(f, calls(meters, f.code));
        }
    }

    private static Counter calls(MeterRegistry meters, String outcome) {
        return Counter.builder("kiln.search.rerank.calls")
                .description("Calls to the rerank server by outcome: ok, or why the fused order was kept")
                .tag("outcome", outcome)
                .register(meters);
    }

    boolean configured() {
        return settings.configured();
    }

    int candidates() {
        return settings.candidates();
    }

    Status status() {
        return settings.configured()
                ? new Status(true, settings.model(), settings.candidates(), last.get())
                : new Status(false, null, null, null);
    }

    /**
     * Asks the reranker to order {@code documents} (non-empty) for {@code query}; waits at most the
     * timeout, and abandons the request past it.
     *
     * @throws InterruptedException when the calling thread is interrupted (the request is abandoned)
     * @throws IllegalStateException when no reranker is configured
     */
    Outcome rerank(String query, List<String> documents) throws InterruptedException {
        if (!configured()) {
            throw new IllegalStateException("No rerank server is configured (kiln.search.rerank.base-url)");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.rerankUri())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(query, documents)));
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            request.header("Authorization", "Bearer " + settings.apiKey());
        }
        CompletableFuture<HttpResponse<String>> call =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
        try {
            // The whole exchange, body included, within the timeout: the request's own timeout ends at the headers.
            HttpResponse<String> response = call.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (response.statusCode() / 100 != 2) {
                return failed(Failure.REJECTED, "HTTP " + response.statusCode());
            }
            Optional<List<Ranked>> ranking = ranking(response.body(), documents.size());
            if (ranking.isEmpty()) {
                return failed(Failure.MALFORMED, "the answer is not a ranking of the documents sent");
            }
            count(ok, OK, null);
            return new Outcome.Ordered(ranking.get());
        } catch (TimeoutException e) {
            return late();
        } catch (ExecutionException e) {
            return e.getCause() instanceof HttpTimeoutException
                    ? late()
                    : failed(Failure.UNREACHABLE, describe(e.getCause()));
        } finally {
            call.cancel(true); // a no-op once it is done; otherwise the request is abandoned
        }
    }

    private String body(String query, List<String> documents) {
        ObjectNode body = json.createObjectNode();
        if (settings.model() != null && !settings.model().isBlank()) {
            body.put("model", settings.model());
        }
        body.put("query", query);
        ArrayNode list = body.putArray("documents");
        documents.forEach(list::add);
        body.put("top_n", documents.size());
        return json.writeValueAsString(body);
    }

    /** The ranking in a response body, best first; empty unless each result is a distinct index of one of {@code sent}, with a score. */
    private Optional<List<Ranked>> ranking(String body, int sent) {
        JsonNode results;
        try {
            results = json.readTree(body).path("results");
        } catch (JacksonException e) {
            return Optional.empty();
        }
        if (!results.isArray()) {
            return Optional.empty();
        }
        List<Ranked> ranking = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (JsonNode result : results) {
            JsonNode index = result.path("index");
            JsonNode score = result.path("relevance_score");
            if (!index.isIntegralNumber()
                    || !index.canConvertToInt()
                    || index.intValue() < 0
                    || index.intValue() >= sent
                    || !seen.add(index.intValue())
                    || !score.isNumber()) {
                return Optional.empty();
            }
            ranking.add(new Ranked(index.intValue(), score.doubleValue()));
        }
        // Servers answer best first already; sorting (stable) makes that so for any that do not.
        ranking.sort(Comparator.comparingDouble(Ranked::score).reversed());
        return Optional.of(ranking);
    }

    private Outcome late() {
        return failed(Failure.TIMEOUT, "no answer within " + settings.timeout().toMillis() + " ms");
    }

    private Outcome failed(Failure failure, String detail) {
        count(failed.get(failure), failure.code, detail);
        return new Outcome.Failed(failure);
    }

    /** Counts the call; logs only a change of outcome, so a reranker that is down does not log every search. */
    private void count(Counter counter, String outcome, String detail) {
        counter.increment();
        String before = last.getAndSet(outcome);
        if (outcome.equals(before)) {
            log.debug("Rerank call: {} {}", outcome, detail == null ? "" : detail);
        } else if (outcome.equals(OK)) {
            if (before != null) {
                log.info("The rerank server answers again; hybrid search is reranked");
            }
        } else {
            log.warn(
                    "The rerank server failed ({}: {}); hybrid search keeps its fused order until it answers",
                    outcome,
                    detail);
        }
    }

    private static String describe(Throwable cause) {
        return cause instanceof IOException && cause.getMessage() != null
                ? cause.getClass().getSimpleName() + ": " + cause.getMessage()
                : cause.getClass().getSimpleName();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
