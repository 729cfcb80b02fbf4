package dev.kiln.jobs;

import dev.kiln.processors.JobErrorCode;

/** Why an attempt failed: a stable {@code code}, a message for humans, and whether retrying may help. */
public record JobError(String code, String message, boolean retryable) {

    /** An error of the catalogue: whether it is retried is the code's. */
    public static JobError of(JobErrorCode code, String message) {
        return new JobError(code.code(), message, code.retryable());
    }
}
