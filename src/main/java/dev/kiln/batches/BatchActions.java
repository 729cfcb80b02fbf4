package dev.kiln.batches;

import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobRetries;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.JobStore;
import dev.kiln.limits.SubmissionLimits;
import dev.kiln.processors.JobErrorCode;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Cancel-all and retry-failed: each job through the same arrows as its own cancel and retry. */
@Component
class BatchActions {

    private final JobStore jobs;
    private final SubmissionLimits limits;
    private final AuditLog audit;
    private final JobRetries retries;

    BatchActions(JobStore jobs, JobRetries retries, SubmissionLimits limits, AuditLog audit) {
        this.jobs = jobs;
        this.retries = retries;
        this.limits = limits;
        this.audit = audit;
    }

    /** @return how many jobs were cancelled or asked to stop */
    int cancelAll(User user, BatchStore.BatchRow batch) {
        int cancelled = 0;
        for (Job job : jobs.inBatch(batch.id())) {
            if (job.state().isFinal() || job.cancelRequested()) {
                continue;
            }
            JobStore.CancelOutcome outcome = jobs.cancel(job.id(), user).orElse(null);
            if (outcome instanceof JobStore.CancelOutcome.Cancelled
                    || outcome instanceof JobStore.CancelOutcome.Requested) {
                audit.record(user, AuditAction.JOB_CANCELLED, "job", job.id());
                cancelled++;
            }
        }
        audit.record(user, AuditAction.BATCH_CANCELLED, "batch", batch.id(), Map.of("jobs", cancelled));
        return cancelled;
    }

    /**
     * Retries the failed and cancelled jobs that could end otherwise ({@link #couldEndOtherwise}), as
     * one decision ({@link JobRetries}): all of them need room among the owner's waiting jobs, counted
     * once for the whole set, or none is retried; a retry of the same batch running at once retries
     * only what the other left.
     *
     * @return how many went back to the queue
     */
    int retryFailed(User user, BatchStore.BatchRow batch) {
        List<String> ended = jobs.inBatch(batch.id()).stream()
                .filter(j -> j.state() == JobState.FAILED || j.state() == JobState.CANCELLED)
                .filter(BatchActions::couldEndOtherwise)
                .map(Job::id)
                .toList();
        List<Job> retried = retries.retryAll(batch.ownerId(), ended, limits::checkQueued);
        retried.forEach(job -> audit.record(user, AuditAction.JOB_RETRIED, "job", job.id()));
        audit.record(user, AuditAction.BATCH_RETRIED, "batch", batch.id(), Map.of("jobs", retried.size()));
        return retried.size();
    }

    /**
     * Whether running the job again could help: not when its file was deleted (it would fail
     * {@code input_missing}), nor when it failed for its file itself (a damaged or silent recording,
     * a protected document). Its own retry still takes such a job; the batch's leaves it failed.
     */
    private static boolean couldEndOtherwise(Job job) {
        boolean ofTheInput = job.state() == JobState.FAILED
                && job.error() != null
                && JobErrorCode.isFailureOfTheInput(job.error().code());
        return job.input() != null && !ofTheInput;
    }
}
