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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
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
 * many jobs, in the order reported, with the node's lease renewals when the heartbeat asks and the
 * claims the {@link ClaimPlanner} plans for each batch (so one commit ends attempts and claims
 * the jobs that take their place). Being the
 * node's only writer of its jobs' rows, it never waits on a lock of its own node. A
 * full queue makes reporters wait (back-pressure), and a database outage is waited out, not dropped.
 */
final class OutcomeWriter {

    private static final Logger log = LoggerFactory.getLogger(OutcomeWriter.class);
    private static final int CAPACITY = 10_000;
    private static final int MAX_BATCH = 512;
    private static final Backoff RETRY_BACKOFF = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(5));
    /** How often progress reports are looked for: the most a report waits before it is written. */
    private static final long PROGRESS_CHECK_MILLIS = 10;

    private record Pending(JobQueue.Write write, CompletableFuture<Boolean> accepted) {}

    private record PendingRenewal(JobQueue.Renewal renewal, CompletableFuture<List<JobQueue.Lease>> leases) {}

    /** Wakes the writer for work that is not a write (claims to make). */
    private static final Pending NUDGE = new Pending(null, null);

    private final JobQueue queue;
    private final Supplier<List<JobQueue.Progress>> dueProgress;
    private final Consumer<JobQueue.Write> onRejected;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>(CAPACITY);
    private final AtomicReference<PendingRenewal> renewal = new AtomicReference<>();
    private final Function<List<JobQueue.Write>, List<JobQueue.ClaimRequest>> planClaims;
    private final BiConsumer<List<JobQueue.ClaimRequest>, List<List<JobQueue.Claim>>> claimed;
    private volatile boolean running;
    private volatile long giveUpAfterNanos = Long.MAX_VALUE;
    private Thread thread;

    /**
     * @param dueProgress collects running jobs' changed progress
     * @param onRejected  told of each write refused because its attempt lost the lease
     * @param planClaims  given a batch's writes before it runs, the claims to make in it
     * @param claimed     told what each of those claims got (none if the batch failed)
     */
    OutcomeWriter(
            JobQueue queue,
            Supplier<List<JobQueue.Progress>> dueProgress,
            Consumer<JobQueue.Write> onRejected,
            Function<List<JobQueue.Write>, List<JobQueue.ClaimRequest>> planClaims,
            BiConsumer<List<JobQueue.ClaimRequest>, List<List<JobQueue.Claim>>> claimed) {
        this.queue = queue;
        this.dueProgress = dueProgress;
        this.onRejected = onRejected;
        this.planClaims = planClaims;
        this.claimed = claimed;
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

    /** Runs a batch soon even if nothing is to be written: there may be jobs to claim. */
    void nudge() {
        pending.offer(NUDGE); // a full queue means the writer is busy anyway: it plans claims with every batch
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
            batch.removeIf(p -> p == NUDGE);
            List<JobQueue.Write> writes = new ArrayList<>(dueProgress.get());
            batch.forEach(p -> writes.add(p.write()));
            PendingRenewal renewing = renewal.getAndSet(null);
            List<JobQueue.ClaimRequest> claims = planClaims.apply(writes);
            if (!writes.isEmpty() || renewing != null || !claims.isEmpty()) {
                try {
                    write(writes, batch, renewing, claims);
                } catch (RuntimeException e) {
                    log.error("Job updates failed unexpectedly", e);
                    batch.forEach(p -> p.accepted().complete(false));
                    claimed.accept(
                            claims,
                            claims.stream()
                                    .<List<JobQueue.Claim>>map(c -> List.of())
                                    .toList());
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

    private void write(
            List<JobQueue.Write> writes,
            List<Pending> batch,
            PendingRenewal renewing,
            List<JobQueue.ClaimRequest> claims) {
        JobQueue.Applied applied =
                applyRetrying(new JobQueue.Batch(writes, renewing == null ? null : renewing.renewal(), claims));
        if (renewing != null) {
            renewing.leases().complete(applied.leases());
        }
        claimed.accept(claims, applied.claimed());
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

    private JobQueue.Applied applyRetrying(JobQueue.Batch batch) {
        Duration delay = RETRY_BACKOFF.initial();
        while (true) {
            try {
                return queue.apply(batch);
            } catch (TransientDataAccessException
                    | RecoverableDataAccessException
                    | DataAccessResourceFailureException e) {
                if (System.nanoTime() > giveUpAfterNanos) {
                    log.error(
                            "Giving up on {} job writes: the database is still failing at shutdown",
                            batch.writes().size(),
                            e);
                    return refused(batch);
                }
                log.warn(
                        "Could not write {} job updates ({}); retrying in {}",
                        batch.writes().size(),
                        e.getMessage(),
                        delay);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return refused(batch);
                }
                delay = RETRY_BACKOFF.after(delay);
            } catch (DataAccessException e) {
                return oneByOne(batch, e);
            }
        }
    }

    /** One bad write must not hold back the others: the renewal, the claims and each write apart, in order. */
    private JobQueue.Applied oneByOne(JobQueue.Batch batch, DataAccessException failure) {
        List<? extends JobQueue.Write> writes = batch.writes();
        if (writes.size() + batch.claims().size() + (batch.renewal() == null ? 0 : 1) <= 1) {
            log.error(
                    "The database refuses an update of job {}; dropping it",
                    writes.isEmpty() ? "-" : writes.getFirst().jobId(),
                    failure);
            return refused(batch);
        }
        List<JobQueue.Lease> leases = batch.renewal() == null
                ? List.of()
                : applyRetrying(new JobQueue.Batch(List.of(), batch.renewal(), List.of()))
                        .leases();
        List<List<JobQueue.Claim>> claimed = new ArrayList<>(batch.claims().size());
        for (JobQueue.ClaimRequest c : batch.claims()) {
            claimed.addAll(applyRetrying(new JobQueue.Batch(List.of(), null, List.of(c)))
                    .claimed());
        }
        List<Boolean> accepted = new ArrayList<>(writes.size());
        for (JobQueue.Write w : writes) {
            accepted.addAll(applyRetrying(new JobQueue.Batch(List.of(w), null, List.of()))
                    .accepted());
        }
        return new JobQueue.Applied(accepted, leases, claimed);
    }

    /** Nothing written: every write refused, the leases not known, nothing claimed. */
    private static JobQueue.Applied refused(JobQueue.Batch batch) {
        return new JobQueue.Applied(
                batch.writes().stream().map(w -> false).toList(),
                null,
                batch.claims().stream()
                        .<List<JobQueue.Claim>>map(c -> List.of())
                        .toList());
    }
}
