package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobState;
import dev.kiln.processors.DeclaredProcessors;
import org.springframework.stereotype.Component;

/**
 * Whose lease a job is under, as external workers see it. A worker identity claims under the
 * lease node {@code w:<its user id>}: the token tells attempts apart, the node which identity may
 * renew them and read their inputs.
 */
@Component
class WorkerLeases {

    private final JobQueue queue;
    private final DeclaredProcessors declared;

    WorkerLeases(JobQueue queue, DeclaredProcessors declared) {
        this.queue = queue;
        this.declared = declared;
    }

    static String node(User worker) {
        return "w:" + worker.id();
    }

    /**
     * The job {@code worker} holds under {@code token}.
     *
     * @throws ApiException {@code job_not_found} when there is no such job of an external processor;
     *                      {@code lease_lost} when the job is not running under that lease of this worker
     */
    JobQueue.Held held(User worker, String jobId, String token) {
        return check(worker, jobId, token, queue.held(jobId).orElse(null));
    }

    /** {@link #held(User, String, String)} of a job already read ({@code job} null: there is none). */
    JobQueue.Held check(User worker, String jobId, String token, JobQueue.Held job) {
        if (job == null || declared.find(job.type()).isEmpty()) {
            throw new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + jobId + ".");
        }
        if (job.state() != JobState.RUNNING
                || !node(worker).equals(job.node())
                || !job.token().equals(token)) {
            throw lost(jobId);
        }
        return job;
    }

    static ApiException lost(String jobId) {
        return new ApiException(
                        ErrorCode.LEASE_LOST,
                        "The lease of job " + jobId + " is no longer yours (it expired, or the attempt ended);"
                                + " stop working on it.")
                .with("job", jobId);
    }
}
