package dev.kiln.search;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The rerank server hybrid search may ask to reorder its best fused hits: anything speaking the
 * Cohere/Jina {@code POST /rerank} shape (Cohere, Jina, Infinity, vLLM, llama.cpp's server…). Without
 * a base URL nothing is reranked.
 *
 * @param baseUrl    the API root, e.g. {@code https://api.cohere.com/v2}; {@code /rerank} is added
 * @param model      the reranking model the server knows; left out of the request when not set
 * @param apiKey     sent as a Bearer token if set; never logged, never sent to a client
 * @param candidates how many of the best fused hits are sent to be reordered (1–1000); default 50
 * @param timeout    how long a search waits for the reranker before it keeps the fused order; default 2s
 */
@ConfigurationProperties("kiln.search.rerank")
public record RerankSettings(
        URI baseUrl,
        String model,
        String apiKey,
        @DefaultValue("50") int candidates,
        @DefaultValue("2s") Duration timeout) {

    public RerankSettings {
        if (candidates < 1 || candidates > SearchController.MAX_DEPTH) {
            throw new IllegalArgumentException(
                    "kiln.search.rerank.candidates must be from 1 to 1000, not " + candidates);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("kiln.search.rerank.timeout must be positive");
        }
    }

    public boolean configured() {
        return baseUrl != null && !baseUrl.toString().isBlank();
    }

    URI rerankUri() {
        String root = baseUrl.toString();
        return URI.create((root.endsWith("/") ? root : root + "/") + "rerank");
    }
}
