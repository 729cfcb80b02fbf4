package dev.kiln.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a job event records. */
public enum EventKind {
    /** The job changed state (or was marked for cancellation): {@code {state, attempt, …}}. */
    STATE,
    /** Progress: {@code {progress, stage}}; coalesced, at most a few per second. */
    PROGRESS,
    /** A partial result from the processor, e.g. one transcribed utterance; never dropped. */
    PARTIAL,
    /** The result is stored: {@code {href, size}}. */
    RESULT,
    /** An attempt failed: {@code {code, message, retryable, attempt}}. */
    ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EventKind fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
