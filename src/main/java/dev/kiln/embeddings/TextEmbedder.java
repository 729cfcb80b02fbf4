package dev.kiln.embeddings;

import dev.kiln.KilnHome;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Sentence embeddings of texts, for semantic search: unit vectors of {@link #dimension()} floats,
 * so the cosine similarity of two is their dot product. The model loads on the first call (about
 * a second of CPU), never at startup.
 *
 * <p>CPU is bounded: at most {@code kiln.embeddings.max-concurrency} batches run at once, each on
 * at most {@code threads-per-call} cores; other callers wait their turn per batch, so a short
 * query is not held behind the whole of a long indexing call.
 *
 * <p>A text longer than {@code max-tokens} word pieces is cut there (the tokenizer truncates it):
 * only its beginning counts. Split long documents into segments before embedding them.
 */
@Component
public class TextEmbedder {

    private final EmbeddingSettings settings;
    private final Supplier<? extends Function<List<String>, float[][]>> loader;
    private final Semaphore budget;
    private final String modelId;
    private volatile Function<List<String>, float[][]> model;

    /** Spring's constructor; also for code outside Spring (benchmarks, other packages' tests). */
    @Autowired
    public TextEmbedder(EmbeddingSettings settings, KilnHome home) {
        this(settings, () -> MiniLmModel.load(settings.threadsPerCall(), settings.maxTokens(), home.resolve("cache")));
    }

    /** With another model behind it: tests gate it to see the concurrency bound. */
    TextEmbedder(EmbeddingSettings settings, Supplier<? extends Function<List<String>, float[][]>> loader) {
        this.settings = settings;
        this.loader = loader;
        this.budget = new Semaphore(settings.maxConcurrency(), true);
        this.modelId = MiniLmModel.NAME + "@" + MiniLmModel.artifactVersion() + "/" + settings.maxTokens();
    }

    /**
     * The embeddings of {@code texts}, in order, computed {@code batch-size} at a time. An empty or
     * blank text gets the vector of no words (the same for all of them).
     *
     * @throws IllegalStateException when embeddings are disabled on this node
     * @throws InterruptedException when the calling thread is interrupted while it waits its turn
     */
    public float[][] embed(List<String> texts) throws InterruptedException {
        texts.forEach(text -> Objects.requireNonNull(text, "a text to embed is null"));
        if (!settings.enabled()) {
            throw new IllegalStateException("Embeddings are disabled on this node (kiln.embeddings.enabled)");
        }
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += settings.batchSize()) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + settings.batchSize()));
            budget.acquire();
            try {
                vectors.addAll(List.of(model().apply(batch)));
            } finally {
                budget.release();
            }
        }
        return vectors.toArray(float[][]::new);
    }

    /** The embedding of one text; see {@link #embed(List)}. */
    public float[] embed(String text) throws InterruptedException {
        return embed(List.of(text))[0];
    }

    public int dimension() {
        return MiniLmModel.DIMENSION;
    }

    /**
     * Names the model, its artifact's version and the token limit, e.g.
     * {@code all-minilm-l6-v2-q@1.20.0-beta30/256}: store it beside each vector, and embed again
     * whatever was made under another id (vectors of different ids are not comparable).
     */
    public String modelId() {
        return modelId;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether the model has been loaded (it is, from the first {@link #embed} on). */
    public boolean loaded() {
        return model != null;
    }

    /** Calls waiting for their turn now. */
    int waiting() {
        return budget.getQueueLength();
    }

    private Function<List<String>, float[][]> model() {
        Function<List<String>, float[][]> loaded = model;
        if (loaded == null) {
            synchronized (this) {
                loaded = model;
                if (loaded == null) {
                    loaded = loader.get();
                    model = loaded;
                }
            }
        }
        return loaded;
    }

    /** Waits for the batches under way (the native session must not close under them), then frees the model. */
    @PreDestroy
    public void close() throws Exception {
        budget.acquireUninterruptibly(settings.maxConcurrency());
        try {
            synchronized (this) {
                if (model instanceof AutoCloseable closeable) {
                    closeable.close();
                }
                model = null;
            }
        } finally {
            budget.release(settings.maxConcurrency());
        }
    }
}
