package dev.kiln.jobs;

import java.util.Locale;

/**
 * The closed set of job states. Who moves a job in and out of each is written next to it; the
 * allowed moves are the arrows of {@link Transition}.
 */
public enum JobState {
    /** Waiting for a worker, claimable now. In: submit, manual retry, release at shutdown, a due retry. Out: claim, cancel. */
    QUEUED,
    /** Failed an attempt and waits out its backoff ({@code run_after}). In: retryable failure, lease rescue. Out: promoted to queued when due, cancel. */
    RETRY_SCHEDULED,
    /** Held by a worker under a lease. May carry a cancel request. Out: finish, fail, cancel, rescue, release. */
    RUNNING,
    /** Finished with a result. Final. */
    SUCCEEDED,
    /** Failed for good (permanent error or out of attempts). Out: manual retry. */
    FAILED,
    /** Stopped on request. Out: manual retry. */
    CANCELLED;

    /** The value in the database and on the wire: {@code retry_scheduled}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
