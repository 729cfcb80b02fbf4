package dev.kiln.processors;

/** Thrown by {@link JobContext#checkCancelled()}; Kiln records the stop, not a failure. */
public class JobCancelledException extends RuntimeException {

    public JobCancelledException() {
        super("job cancelled", null, false, false);
    }
}
