package dev.kiln.embeddings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Sentence embeddings for semantic search, computed on this node's CPU.
 *
 * @param enabled         whether this node computes embeddings at all; default true
 * @param maxConcurrency  most batches embedded at once on this node (each takes up to
 *                        {@code threadsPerCall} cores); default 1
 * @param threadsPerCall  cores one batch may use (ONNX Runtime's intra-op threads); default 1
 * @param batchSize       texts embedded per turn of the CPU budget (a waiting query cuts in between
 *                        batches); default 32
 * @param maxTokens       word pieces of a text the model reads (at most 512); the rest is cut off;
 *                        default 256, the length the model was trained on
 * @param cacheMaxVectors most vectors kept in memory for searching, over all owners (each counted in whole
 *                        blocks of 64); default 200000
 *                        (about 330 MB of heap, measured at 164 MB per 100,000)
 */
@ConfigurationProperties("kiln.embeddings")
public record EmbeddingSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("1") int maxConcurrency,
        @DefaultValue("1") int threadsPerCall,
        @DefaultValue("32") int batchSize,
        @DefaultValue("256") int maxTokens,
        @DefaultValue("200000") long cacheMaxVectors) {

    /** The model's position embeddings end at 512 word pieces, [CLS] and [SEP] included. */
    static final int MODEL_MAX_TOKENS = 512;

    public EmbeddingSettings {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("kiln.embeddings.max-concurrency must be at least 1");
        }
        if (threadsPerCall < 1) {
            throw new IllegalArgumentException("kiln.embeddings.threads-per-call must be at least 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("kiln.embeddings.batch-size must be at least 1");
        }
        if (maxTokens < 8 || maxTokens > MODEL_MAX_TOKENS) {
            throw new IllegalArgumentException("kiln.embeddings.max-tokens must be between 8 and " + MODEL_MAX_TOKENS);
        }
        if (cacheMaxVectors < 0) {
            throw new IllegalArgumentException("kiln.embeddings.cache-max-vectors must not be negative");
        }
    }

    /** The defaults, for code that builds an embedder outside Spring (tests, benchmarks). */
    public static EmbeddingSettings defaults() {
        return new EmbeddingSettings(true, 1, 1, 32, 256, 200_000);
    }
}
