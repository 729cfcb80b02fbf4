package dev.kiln.jobs;

import java.util.List;

/** Signals about jobs that come from elsewhere than this node's own arrows (those are {@link Moved.Committed}). */
public final class JobSignals {

    private JobSignals() {}

    /** Another node accepted a cancel request of a running job (which may run here). */
    public record CancelRequested(String jobId) {}

    /** Another node made jobs of these types claimable (submitted, retried, released). */
    public record WorkAvailable(List<String> types) {}
}
