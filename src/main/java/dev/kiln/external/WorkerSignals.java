package dev.kiln.external;

import dev.kiln.jobs.JobSignals;
import dev.kiln.jobs.Moved;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Wakes external workers' long polls: claims when work of their types appears, heartbeats when their job is asked to cancel. */
@Component
class WorkerSignals {

    final Waiters work = new Waiters();
    final Waiters cancels = new Waiters();
    /** The node is draining ({@link WorkerDrain}): no claims, no waiting. */
    volatile boolean draining;

    @EventListener
    void on(Moved.Committed moved) {
        switch (moved.transition()) {
            case SUBMIT, PROMOTE, RELEASE, MANUAL_RETRY -> moved.jobs().forEach(job -> work.signal(job.type()));
            case REQUEST_CANCEL -> moved.jobs().forEach(job -> cancels.signal(job.id()));
            default -> {}
        }
    }

    @EventListener
    void on(JobSignals.WorkAvailable available) {
        available.types().forEach(work::signal);
    }

    @EventListener
    void on(JobSignals.CancelRequested cancel) {
        cancels.signal(cancel.jobId());
    }
}
