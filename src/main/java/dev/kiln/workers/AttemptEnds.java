package dev.kiln.workers;

import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.io.IOException;
import java.io.UncheckedIOException;

/** How an attempt that did not return a result ends: its stop reason or its failure, classified, through the one retry decision. */
final class AttemptEnds {

    private final RetryPolicy retryPolicy;

    AttemptEnds(RetryPolicy retryPolicy) {
        this.retryPolicy = retryPolicy;
    }

    /** What an attempt that threw leads to: the stop it was asked for, or its classified failure. */
    JobQueue.Outcome afterThrow(RunningJob job, Throwable t) {
        StopReason reason = job.stopReason();
        if (reason != null) {
            return stopped(job, reason);
        }
        JobError error = classify(t);
        if (error.code().equals(JobErrorCode.PROCESSOR_ERROR.code())) {
            job.log().warn("Attempt {} failed unexpectedly", job.attempt(), t);
        } else {
            job.log().info("Attempt {} failed: {} ({})", job.attempt(), error.code(), error.message());
        }
        return retryPolicy.after(error, job.attempt(), job.claim.maxAttempts(), false);
    }

    JobQueue.Outcome stopped(RunningJob job, StopReason reason) {
        return switch (reason) {
            case CANCEL -> new JobQueue.Cancelled(job.attempt());
            case TIMEOUT ->
                retryPolicy.after(
                        JobError.of(
                                JobErrorCode.TIMEOUT,
                                "The job ran longer than its limit of "
                                        + job.processor.limits().timeout() + "."),
                        job.attempt(),
                        job.claim.maxAttempts(),
                        false);
            case SHUTDOWN -> new JobQueue.Released(job.attempt());
            case LEASE_LOST -> null;
        };
    }

    /** Bad input is permanent; I/O trouble is worth another attempt; unknown failures get the benefit of the doubt. */
    static JobError classify(Throwable t) {
        return switch (t) {
            case JobFailure f -> new JobError(f.code(), f.getMessage(), f.retryable());
            case IOException e -> JobError.of(JobErrorCode.IO_ERROR, "I/O error: " + e.getMessage());
            case UncheckedIOException e ->
                JobError.of(JobErrorCode.IO_ERROR, "I/O error: " + e.getCause().getMessage());
            case IllegalArgumentException e -> JobError.of(JobErrorCode.INVALID_INPUT, e.getMessage());
            case JobCancelledException e ->
                JobError.of(JobErrorCode.PROCESSOR_ERROR, "The processor stopped without being asked to.");
            case InterruptedException e -> JobError.of(JobErrorCode.INTERRUPTED, "The job was interrupted.");
            default ->
                JobError.of(
                        JobErrorCode.PROCESSOR_ERROR,
                        t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        };
    }
}
