package dev.kiln.jobs;

/** Application events the job store publishes after a change commits; workers listen. */
public final class JobSignals {

    private JobSignals() {
    }

    /** New claimable work of {@code type} exists (a submission or a manual retry). */
    public record WorkAvailable(String type) {
    }

    /** A running job was asked to stop. */
    public record CancelRequested(String jobId) {
    }
}
