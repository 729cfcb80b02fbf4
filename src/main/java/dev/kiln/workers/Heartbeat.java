package dev.kiln.workers;

import dev.kiln.jobs.JobQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The node's heartbeat: renews the leases of the attempts it runs (written by the outcome writer
 * in its next batch), stops an attempt whose lease another has taken, and passes on the cancel
 * requests the database holds for them.
 */
final class Heartbeat {

    private final String node;
    private final Duration lease;
    private final Map<String, RunningJob> running;
    private final OutcomeWriter writer;
    private final BiConsumer<RunningJob, Instant> cancelRequested;

    Heartbeat(
            String node,
            Duration lease,
            Map<String, RunningJob> running,
            OutcomeWriter writer,
            BiConsumer<RunningJob, Instant> cancelRequested) {
        this.node = node;
        this.lease = lease;
        this.running = running;
        this.writer = writer;
        this.cancelRequested = cancelRequested;
    }

    void beat() {
        Map<String, RunningJob> local = Map.copyOf(running);
        if (local.isEmpty()) {
            return;
        }
        List<JobQueue.Lease> renewed =
                writer.renew(new JobQueue.Renewal(node, tokens(local), lease)).join();
        if (renewed == null) {
            return; // not written this time (replaced, or the writer stopped): nothing learned
        }
        Map<String, JobQueue.Lease> held =
                renewed.stream().collect(Collectors.toMap(JobQueue.Lease::jobId, Function.identity()));
        for (RunningJob job : local.values()) {
            JobQueue.Lease current = held.get(job.jobId());
            if (current == null) {
                if (!job.finishing() && job.stop(StopReason.LEASE_LOST)) {
                    job.log().warn("{} lost its lease (rescued elsewhere?); stopping it", job);
                }
            } else if (current.cancelRequestedAt() != null) {
                cancelRequested.accept(job, current.cancelRequestedAt());
            }
        }
    }

    private static Map<String, String> tokens(Map<String, RunningJob> running) {
        return running.values().stream().collect(Collectors.toMap(RunningJob::jobId, job -> job.claim.leaseToken()));
    }
}
