package dev.kiln.processors;

/**
 * A failure a processor classifies itself: a stable {@code code} clients can act on, a message
 * for humans, and whether trying again could help (bad input: no; a network hiccup: yes).
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
