package dev.kiln.processors;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The extension point: a kind of work Kiln can run. Implementations are Spring beans; the job
 * {@code type} is the processor's {@link #name()}. {@link #run} is called on a worker thread,
 * never on a request thread, at most {@link ProcessorLimits#concurrency()} at a time per node.
 */
public interface Processor {

    /** Stable name, used as the job type: lowercase letters, digits and '-', starting with a letter. */
    String name();

    String description();

    /** Media types of input files this processor accepts: exact ({@code audio/wav}), {@code audio/*} or {@code *}{@code /*}. */
    List<String> acceptedMediaTypes();

    ParamsSchema params();

    ProcessorLimits limits();

    /**
     * Does the work. Report with {@link JobContext#progress}, stream partial results with
     * {@link JobContext#emit}, and stop promptly when {@link JobContext#isCancelled()} (the
     * thread is also interrupted).
     *
     * @return the result, any value Jackson can write (null for none)
     * @throws JobFailure to fail with a specific code and a message for users; other exceptions
     *     are classified by Kiln, their text kept to the log (users see the code and a fixed message)
     */
    Object run(JobContext context) throws Exception;

    /**
     * Whether {@link #run} keeps a CPU busy (native inference, OCR). Such attempts run on platform
     * threads; others on virtual threads. A CPU-bound attempt on a virtual thread would hold one of
     * the few carrier threads and starve every other virtual thread, HTTP requests included.
     */
    default boolean cpuBound() {
        return false;
    }

    /** The standard shape of this processor's results, if they have one; null otherwise. */
    default ResultShape shape() {
        return null;
    }

    /** Downloads of a result besides its JSON (which every processor has): by default, those of its shape. */
    default List<ResultFormat> resultFormats() {
        return shape() == null ? List.of() : shape().formats();
    }

    /** What clients should know of this processor on this node (installed models, OCR…); listed by {@code GET /processors}. */
    default Map<String, Object> details() {
        return Map.of();
    }

    /** Whether jobs of this processor have an input file; one that takes none is run from its params alone. */
    default boolean takesInput() {
        return true;
    }

    /**
     * The engine behind this processor's results (its code, library and model versions): a result is
     * only reused for a job of the same version. Change it whenever the same input and params could
     * give a different result.
     */
    default String version() {
        return "1";
    }

    /**
     * Whether the same input content, params and {@link #version()} always give an equivalent result,
     * so that a job may take an earlier job's result instead of running (for a processor that takes
     * no input, params alone). False for anything that depends on the time, randomness or the outside
     * world.
     */
    default boolean reusable() {
        return false;
    }

    /**
     * A quick look at an input before any job exists (a dry run): does it open, and how long or how
     * many pages is it. Runs under a time limit; must not read the whole file when the header says
     * enough. Null when this processor cannot tell without running.
     *
     * @throws JobFailure when the input cannot be read, with the code the job would fail with
     */
    default InputMeasure inspect(InputFile input) throws IOException {
        return null;
    }

    /**
     * How long a job with {@code params} (checked, defaults filled in) on an input of {@code measure}
     * should run on this node, from its measured speed; null when unknown.
     */
    default Duration expectedRunTime(InputMeasure measure, JsonNode params) {
        return null;
    }

    default boolean accepts(String mediaType) {
        return acceptedMediaTypes().stream().anyMatch(pattern -> matches(pattern, mediaType));
    }

    private static boolean matches(String pattern, String mediaType) {
        if (pattern.equals("*/*") || pattern.equals(mediaType)) {
            return true;
        }
        return pattern.endsWith("/*") && mediaType.startsWith(pattern.substring(0, pattern.length() - 1));
    }
}
