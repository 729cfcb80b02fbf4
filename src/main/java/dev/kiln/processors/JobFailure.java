package dev.kiln.processors;

/**
 * A failure a processor classifies itself: a stable {@code code} clients can act on, a message
 * for the job's owner, and whether trying again could help (bad input: no; a network hiccup: yes).
 * The message is shown to users as it is: write it for them, and never put exception text, paths
 * or secrets in it; give the exception as the {@code cause}, which goes to the log with the job id.
 */
public class JobFailure extends RuntimeException {

    private final String code;
    private final boolean retryable;

    public JobFailure(String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    /** A failure of the catalogue: whether it is retried is the code's. */
    public static JobFailure of(JobErrorCode code, String message) {
        return new JobFailure(code.code(), message, code.retryable(), null);
    }

    /** As {@link #of(JobErrorCode, String)}, with the exception behind it for the log. */
    public static JobFailure of(JobErrorCode code, String message, Throwable cause) {
        return new JobFailure(code.code(), message, code.retryable(), cause);
    }

    public static JobFailure permanent(String code, String message) {
        return new JobFailure(code, message, false, null);
    }

    public static JobFailure retryable(String code, String message) {
        return new JobFailure(code, message, true, null);
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
