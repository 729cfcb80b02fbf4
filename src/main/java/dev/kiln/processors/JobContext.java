package dev.kiln.processors;

import java.time.Duration;
import org.slf4j.Logger;
import tools.jackson.databind.JsonNode;

/**
 * What a running job gives its processor. Kiln's worker implements it; a processor's own tests
 * may implement it too.
 */
public interface JobContext {

    String jobId();

    /** The id of the user the job belongs to (for processors that read the owner's other content). */
    String ownerId();

    /** 1 for the first attempt. */
    int attempt();

    /** The input file; null for a job of a processor that takes none ({@link Processor#takesInput()}). */
    InputFile input();

    /** Validated parameters with defaults filled in. */
    JsonNode params();

    /**
     * Reports how far the job is, 0..1, and what it is doing. Cheap to call often: Kiln stores at
     * most a few updates per second (the latest wins).
     */
    default void progress(double fraction, String stage) {
        progress(fraction, stage, null);
    }

    /**
     * As {@link #progress(double, String)}, with the processor's estimate of the time left (null
     * when it cannot tell); clients see it as the job's {@code eta}.
     */
    void progress(double fraction, String stage, Duration remaining);

    /** Publishes a partial result (e.g. one transcribed utterance); never dropped, kept in order. */
    void emit(Object partial);

    /**
     * Tells Kiln what the processor measured of its input while reading it — the length of a
     * recording, the pages of a document (null: not measured) — for users' file lists. May be
     * called again with a better figure; a context that keeps no files may ignore it.
     */
    default void inputMeasured(Duration length, Integer pages) {}

    /** True once the job is cancelled, timed out or its node is shutting down; stop soon. */
    boolean isCancelled();

    /** Throws {@link JobCancelledException} if {@link #isCancelled()}. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new JobCancelledException();
        }
    }

    /** A logger whose lines carry this job's id. */
    Logger log();
}
