package dev.kiln.external;

import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobSignals;
import dev.kiln.jobs.Moved;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Wakes external workers' long polls: claims when work of their types appears, heartbeats when their job is asked to cancel. */
@Component
class WorkerSignals {

    final Waiters work = new Waiters();
    /** Per-job heartbeats, by job id: woken by a cancel request or the end of the attempt. */
    final Waiters cancels = new Waiters();
    /**
     * Batched heartbeats, by lease node (one worker identity): woken only by a cancel request of a
     * job that identity holds, listed in the heartbeat or not (claimed since it was sent).
     */
    final Waiters nodeCancels = new Waiters();
    /** The node is draining ({@link WorkerDrain}): no claims, no waiting. */
    volatile boolean draining;

    private final JobQueue queue;

    WorkerSignals(JobQueue queue) {
        this.queue = queue;
    }

    @EventListener
    void on(Moved.Committed moved) {
        switch (moved.transition()) {
            case SUBMIT, PROMOTE, MANUAL_RETRY -> moved.jobs().forEach(job -> work.signal(job.type()));
            // A released job is work again, and its heartbeat has nothing left to wait for.
            case RELEASE ->
                moved.jobs().forEach(job -> {
                    work.signal(job.type());
                    cancels.signal(job.id());
                });
            case REQUEST_CANCEL ->
                cancelRequested(moved.jobs().stream().map(Moved::id).toList());
            // A heartbeat waiting on an attempt that ended has nothing left to wait for.
            case SUCCEED, RETRY, FAIL, CANCEL_RUNNING -> moved.jobs().forEach(job -> cancels.signal(job.id()));
            default -> {}
        }
    }

    @EventListener
    void on(JobSignals.WorkAvailable available) {
        available.types().forEach(work::signal);
    }

    @EventListener
    void on(JobSignals.CancelRequested cancel) {
        cancelRequested(List.of(cancel.jobId()));
    }

    private void cancelRequested(Collection<String> jobIds) {
        jobIds.forEach(cancels::signal);
        if (!nodeCancels.idle()) { // a cancel is rare: one look-up to find whose lease it is
            queue.held(jobIds).values().stream()
                    .map(JobQueue.Held::node)
                    .filter(Objects::nonNull)
                    .distinct()
                    .forEach(nodeCancels::signal);
        }
    }
}
