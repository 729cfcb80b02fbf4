package dev.kiln.workers;

import dev.kiln.jobs.JobQueue;
import dev.kiln.support.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Writes what running jobs report — partial results, ends of attempts and their latest progress
 * (looked for every few milliseconds; each job spaces its own) — in batches: one transaction for
 * many jobs, in the order reported, with the node's lease renewals when the heartbeat asks. Being
 * the node's only writer of its running jobs' rows, it never waits on a lock of its own node. A
 * full queue makes reporters wait (back-pressure), and a database outage is waited out, not dropped.
 */
final class OutcomeWriter {

    private static final Logger log = LoggerFactory.getLogger(OutcomeWriter.class);
    private static final int CAPACITY = 10_000;
    private static final int MAX_BATCH = 512;
    private static final Backoff RETRY_BACKOFF = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(5));
    /** How often progress reports are looked for: the most a report waits before it is written. */
    private static final long PROGRESS_CHECK_MILLIS = 10;

    private record Pending(JobQueue.Write write, CompletableFuture<Boolean> accepted) {
    }

    private record PendingRenewal(JobQueue.Renewal renewal, CompletableFuture<List<JobQueue.Lease>> leases) {
    }

    private final JobQueue queue;
    private final Supplier<List<JobQueue.Progress>> dueProgress;
    private final Consumer<JobQueue.Write> onRejected;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>(CAPACITY);
    private final AtomicReference<PendingRenewal> renewal = new AtomicReference<>();
    private volatile boolean running;
    private volatile long giveUpAfterNanos = Long.MAX_VALUE;
    private Thread thread;

    /**
     * @param dueProgress collects running jobs' changed progress
     * @param onRejected  told of each write refused because its attempt lost the lease
     */
    OutcomeWriter(JobQueue queue, Supplier<List<JobQueue.Progress>> dueProgress, Consumer<JobQueue.Write> onRejected) {
        this.queue = queue;
        this.dueProgress = dueProgress;
        this.onRejected = onRejected;
    }

    void start() {
        giveUpAfterNanos = Long.MAX_VALUE;
        running = true;
        // A platform thread: busy job threads must never be able to delay the writes that end them.
        thread = Thread.ofPlatform().daemon().name("kiln-outcome-writer").start(this::run);
    }

    /**
     * Queues a write; waits while the queue is full, even if interrupted (a job being stopped must
     * still get its last partial results out). Completes with whether it was accepted.
     */
    CompletableFuture<Boolean> enqueue(JobQueue.Write write) {
        Pending p = new Pending(write, new CompletableFuture<>());
        boolean interrupted = false;
        while (true) {
            try {
                pending.put(p);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return p.accepted();
    }

    /**
     * Extends the leases of {@code renewal} with the next batch; completes with the leases still
     * held. A renewal asked for while one waits replaces it (the heartbeat asks for all its jobs each time).
     */
    CompletableFuture<List<JobQueue.Lease>> renew(JobQueue.Renewal leases) {
        PendingRenewal p = new PendingRenewal(leases, new CompletableFuture<>());
        PendingRenewal replaced = renewal.getAndSet(p);
        if (replaced != null) {
            replaced.leases().complete(null);
        }
        return p.leases();
    }

    /** Whether the writer thread is running (readiness: without it no job's end is recorded). */
    boolean alive() {
        Thread t = thread;
        return running && t != null && t.isAlive();
    }

    /** Writes what is queued, then stops; a database outage is retried for at most {@code patience}. */
    void stop(Duration patience) {
        giveUpAfterNanos = System.nanoTime() + patience.toNanos();
        running = false;
        if (thread != null) {
            try {
                thread.join(patience.plusSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (running || !pending.isEmpty()) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = pending.poll(PROGRESS_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    pending.drainTo(batch, MAX_BATCH - 1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            List<JobQueue.Write> writes = new ArrayList<>(dueProgress.get());
            batch.forEach(p -> writes.add(p.write()));
            PendingRenewal renewing = renewal.getAndSet(null);
            if (!writes.isEmpty() || renewing != null) {
                try {
                    write(writes, batch, renewing);
                } catch (RuntimeException e) {
                    log.error("Job updates failed unexpectedly", e);
                    batch.forEach(p -> p.accepted().complete(false));
                    if (renewing != null) {
                        renewing.leases().completeExceptionally(e);
                    }
                }
            }
        }
        PendingRenewal left = renewal.getAndSet(null);
        if (left != null) {
            left.leases().complete(null);
        }
    }

    private void write(List<JobQueue.Write> writes, List<Pending> batch, PendingRenewal renewing) {
        JobQueue.Applied applied = applyRetrying(writes, renewing == null ? null : renewing.renewal());
        if (renewing != null) {
            renewing.leases().complete(applied.leases());
        }
        List<Boolean> accepted = applied.accepted();
        int offset = writes.size() - batch.size();
        for (int i = 0; i < writes.size(); i++) {
            if (!accepted.get(i)) {
                onRejected.accept(writes.get(i));
            }
            if (i >= offset) {
                batch.get(i - offset).accepted().complete(accepted.get(i));
            }
        }
    }

    private JobQueue.Applied applyRetrying(List<JobQueue.Write> writes, JobQueue.Renewal renewing) {
        Duration delay = RETRY_BACKOFF.initial();
        while (true) {
            try {
                return queue.apply(writes, renewing);
            } catch (TransientDataAccessException | RecoverableDataAccessException | DataAccessResourceFailureException e) {
                if (System.nanoTime() > giveUpAfterNanos) {
                    log.error("Giving up on {} job writes: the database is still failing at shutdown", writes.size(), e);
                    return refused(writes);
                }
                log.warn("Could not write {} job updates ({}); retrying in {}", writes.size(), e.getMessage(), delay);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return refused(writes);
                }
                delay = RETRY_BACKOFF.after(delay);
            } catch (DataAccessException e) {
                if (writes.size() <= 1 && renewing == null) {
                    log.error("The database refuses an update of job {}; dropping it",
                            writes.isEmpty() ? "-" : writes.getFirst().jobId(), e);
                    return refused(writes);
                }
                // One bad write must not hold back the others: apply them one at a time, in order.
                List<JobQueue.Lease> leases = renewing == null ? List.of() : applyRetrying(List.of(), renewing).leases();
                List<Boolean> accepted = new ArrayList<>(writes.size());
                for (JobQueue.Write w : writes) {
                    accepted.addAll(applyRetrying(List.of(w), null).accepted());
                }
                return new JobQueue.Applied(accepted, leases);
            }
        }
    }

    private static JobQueue.Applied refused(List<JobQueue.Write> writes) {
        return new JobQueue.Applied(writes.stream().map(w -> false).toList(), null); // leases: not known
    }
}
