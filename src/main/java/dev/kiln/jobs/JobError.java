package dev.kiln.jobs;

/** Why an attempt failed: a stable {@code code}, a message for humans, and whether retrying may help. */
public record JobError(String code, String message, boolean retryable) {
}
