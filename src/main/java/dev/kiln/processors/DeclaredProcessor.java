package dev.kiln.processors;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A processor that external workers run (docs/workers.md), as they declared it. Kiln validates its
 * jobs' params and inputs like a built-in's and queues them; the jobs are claimed over HTTP, so
 * {@link #run} is never called in Kiln's JVM (the worker pool runs only {@link ProcessorRegistry}'s).
 *
 * @param accepts      media types of inputs; {@link #NO_INPUT} alone for a processor that takes no file
 * @param shape        the standard shape of its results, or null
 * @param version      the worker's engine version, as declared ("" when it declared none)
 * @param reusable     whether the worker declared its results reusable (same input, params, version)
 * @param workers      live worker instances serving it now
 * @param lastSeenAt   when a worker serving it last claimed; null if none ever did
 */
public record DeclaredProcessor(
        String name,
        String description,
        List<String> accepts,
        JsonSchemaParams schema,
        ProcessorLimits limits,
        ResultShape shape,
        String version,
        boolean reusable,
        int workers,
        Instant lastSeenAt)
        implements Processor {

    /** What {@code accepts} holds for a processor whose jobs have no input file. */
    public static final String NO_INPUT = "none";

    @Override
    public List<String> acceptedMediaTypes() {
        return accepts;
    }

    @Override
    public ParamsSchema params() {
        return schema;
    }

    @Override
    public ResultShape shape() {
        return shape;
    }

    @Override
    public boolean takesInput() {
        return !accepts.equals(List.of(NO_INPUT));
    }

    @Override
    public Object run(JobContext context) {
        throw new IllegalStateException(name + " runs on external workers, not in Kiln");
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("servedBy", "workers");
        details.put("workers", workers);
        details.put("lastSeenAt", lastSeenAt);
        return details;
    }

    DeclaredProcessor seen(int workers, Instant lastSeenAt) {
        return new DeclaredProcessor(
                name, description, accepts, schema, limits, shape, version, reusable, workers, lastSeenAt);
    }

    static ProcessorLimits limits(int maxAttempts, long timeoutSeconds, int concurrency) {
        return new ProcessorLimits(maxAttempts, Duration.ofSeconds(timeoutSeconds), concurrency);
    }
}
