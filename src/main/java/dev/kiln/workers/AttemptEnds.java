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

    private static final JobError IO_ERROR = JobError.of(
            JobErrorCode.IO_ERROR, "Reading or writing data failed while the job ran (disk or network trouble).");

    private final RetryPolicy retryPolicy;

    AttemptEnds(RetryPolicy retryPolicy) {
        this.retryPolicy = retryPolicy;
    }

    /**
     * What an attempt that threw leads to: the stop it was asked for, or its classified failure.
     * The job's error says only what its owner should know; what went wrong inside (exception
     * text, paths, the stack) goes to the log, with the job's id.
     */
    JobQueue.Outcome afterThrow(RunningJob job, Throwable t) {
        StopReason reason = job.stopReason();
        if (reason != null) {
            return stopped(job, reason);
        }
        JobError error = classify(t);
        if (t instanceof JobFailure && t.getCause() == null) {
            job.log()
                    .info(
                            "Job {} attempt {} failed: {} ({})",
                            job.jobId(),
                            job.attempt(),
                            error.code(),
                            error.message());
        } else {
            Throwable detail = t instanceof JobFailure ? t.getCause() : t;
            job.log()
                    .warn(
                            "Job {} attempt {} failed: {} ({})",
                            job.jobId(),
                            job.attempt(),
                            error.code(),
                            error.message(),
                            detail);
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

    /**
     * Bad input is permanent; I/O trouble is worth another attempt; unknown failures get the
     * benefit of the doubt. A {@link JobFailure}'s message is the processor's own, written for
     * users; any other exception's text stays out of the job's error.
     */
    static JobError classify(Throwable t) {
        return switch (t) {
            case JobFailure f -> new JobError(f.code(), f.getMessage(), f.retryable());
            case IOException e -> IO_ERROR;
            case UncheckedIOException e -> IO_ERROR;
            case IllegalArgumentException e ->
                JobError.of(JobErrorCode.INVALID_INPUT, "The processor could not use this input.");
            case JobCancelledException e ->
                JobError.of(JobErrorCode.PROCESSOR_ERROR, "The processor stopped without being asked to.");
            case InterruptedException e -> JobError.of(JobErrorCode.INTERRUPTED, "The job was interrupted.");
            default ->
                JobError.of(
                        JobErrorCode.PROCESSOR_ERROR,
                        "The processor failed unexpectedly. The server's log has the details; "
                                + "quote the job id to your administrator.");
        };
    }
}
