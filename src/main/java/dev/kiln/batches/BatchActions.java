package dev.kiln.batches;

import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.JobStore;
import dev.kiln.limits.SubmissionLimits;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Cancel-all and retry-failed: each job through the same arrows as its own cancel and retry. */
@Component
class BatchActions {

    private final JobStore jobs;
    private final SubmissionLimits limits;
    private final AuditLog audit;

    BatchActions(JobStore jobs, SubmissionLimits limits, AuditLog audit) {
        this.jobs = jobs;
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
     * Retries the failed and cancelled jobs. They wait again, so all of them need room among the
     * owner's waiting jobs (checked first: none is retried if they do not fit), and each is checked
     * again as it goes back.
     *
     * @return how many went back to the queue
     */
    int retryFailed(User user, BatchStore.BatchRow batch) {
        List<Job> ended = jobs.inBatch(batch.id()).stream()
                .filter(j -> j.state() == JobState.FAILED || j.state() == JobState.CANCELLED)
                .toList();
        limits.checkQueued(batch.ownerId(), ended.size());
        int retried = 0;
        for (Job job : ended) {
            if (jobs.retry(job.id(), user, limits::checkQueued).orElse(null)
                    instanceof JobStore.RetryOutcome.Requeued) {
                audit.record(user, AuditAction.JOB_RETRIED, "job", job.id());
                retried++;
            }
        }
        audit.record(user, AuditAction.BATCH_RETRIED, "batch", batch.id(), Map.of("jobs", retried));
        return retried;
    }
}
