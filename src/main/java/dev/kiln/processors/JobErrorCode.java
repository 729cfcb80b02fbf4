package dev.kiln.processors;

import java.util.Locale;
import java.util.Set;

/**
 * The catalogue of job error codes Kiln and its built-in processors record on a failed attempt
 * ({@code error.code} of a job and of its {@code error} events), documented in
 * {@code docs/errors.md}. Whether the failure is worth another attempt is part of the code. Other
 * processors may use codes of their own ({@link JobFailure#JobFailure(String, String, boolean, Throwable)}).
 */
public enum JobErrorCode {
    LEASE_EXPIRED(true),
    TIMEOUT(false),
    IO_ERROR(true),
    INTERRUPTED(true),
    INVALID_INPUT(false),
    INPUT_MISSING(false),
    PROCESSOR_ERROR(true),
    MEDIA_UNREADABLE(false),
    NO_AUDIO(false),
    MODEL_MISSING(false),
    OCR_UNAVAILABLE(false),
    DOCUMENT_ENCRYPTED(false),
    DOCUMENT_TOO_LARGE(false),
    DOCUMENT_UNREADABLE(false),
    LLM_UNAVAILABLE(true),
    LLM_ERROR(false),
    ENGINE_UNAVAILABLE(true),
    ENGINE_AUTH(false),
    ENGINE_CHUNK_TOO_LARGE(false),
    ENGINE_ERROR(false);

    /**
     * Failures of the input itself (docs/errors.md, "Job error codes"): run again on the same file,
     * the job fails the same way. Not {@link #DOCUMENT_TOO_LARGE}: it also means more text than
     * {@code kiln.extract.max-characters}, which an administrator can raise, and then a retry
     * succeeds; nor {@link #INPUT_MISSING}: with the file still there, its stored content went
     * missing (a store not mounted), which an administrator can put right (a deleted file is told by
     * the job having no file). The web app's {@code FAILURES_OF_THE_INPUT} is the same list.
     */
    private static final Set<String> FAILURES_OF_THE_INPUT = Set.of(
            INVALID_INPUT.code(),
            MEDIA_UNREADABLE.code(),
            NO_AUDIO.code(),
            DOCUMENT_ENCRYPTED.code(),
            DOCUMENT_UNREADABLE.code());

    private final boolean retryable;

    JobErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    /** The code as stored and sent: {@code lease_expired}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean retryable() {
        return retryable;
    }

    /** Whether a job that failed with {@code code} would fail the same way on the same input. */
    public static boolean isFailureOfTheInput(String code) {
        return FAILURES_OF_THE_INPUT.contains(code);
    }
}
