package dev.kiln.workers;

import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * One processor's room on this node: slots for attempts executing (its concurrency), room for
 * attempts held (claimed and waiting for a slot, executing, or waiting for the outcome writer to
 * take their end: four times the concurrency, which bounds the backlog and the leases to renew),
 * and whether its queue was lately found empty, so that claim rounds woken for other work do not
 * ask again for nothing. Four, not two: while commits are what paces short jobs, each writer round
 * then ends and claims more of them (+16–24 % jobs/s at 16 workers, docs/benchmarks.md).
 */
final class Capacity {

    /** Attempts shorter than this on average are short enough to claim ahead of a free slot. */
    static final Duration SHORT_ATTEMPT = Duration.ofMillis(50);

    private static final int HELD_PER_SLOT = 4;

    final Semaphore slots;
    final Semaphore held;
    /** When (nanoTime) a claim last found the queue of this type empty; 0 when it may hold work. */
    private volatile long foundEmptyAt;
    /** The attempts' mean running time (nanos, moving average); unknown (long) until one ran. */
    private volatile double meanRunNanos = Double.MAX_VALUE;

    Capacity(int concurrency) {
        this.slots = new Semaphore(concurrency);
        this.held = new Semaphore(HELD_PER_SLOT * concurrency);
    }

    /**
     * How many jobs a claim may take now, at most {@code batch}: as many as there are free slots,
     * or, while this processor's attempts are short, as many as it may hold (four per slot): the
     * next jobs then wait at most three short attempts for a slot, and the claims keep up with them.
     */
    int wanted(int batch) {
        int room = held.availablePermits();
        return Math.min(claimsAhead() ? room : Math.min(room, slots.availablePermits()), batch);
    }

    private boolean claimsAhead() {
        return meanRunNanos < SHORT_ATTEMPT.toNanos();
    }

    /** An attempt ran for {@code nanos} (from its start to the processor's return). */
    void ran(long nanos) {
        double mean = meanRunNanos;
        meanRunNanos = mean == Double.MAX_VALUE ? nanos : 0.9 * mean + 0.1 * nanos;
    }

    /**
     * Takes the room for up to {@code batch} jobs for a claim about to be made, and a slot for as
     * many of them as there are free ones; returns both counts (jobs, slots). Only the outcome
     * writer reserves (others only give back), so what it sees is there.
     */
    int[] reserve(int batch) {
        int n = wanted(batch);
        if (n == 0 || !held.tryAcquire(n)) {
            return new int[] {0, 0};
        }
        int free = Math.min(n, slots.availablePermits());
        return new int[] {n, free > 0 && slots.tryAcquire(free) ? free : 0};
    }

    /** Gives back what a claim reserved and did not use. */
    void unreserve(int jobs, int slotsToo) {
        if (jobs > 0) {
            held.release(jobs);
        }
        if (slotsToo > 0) {
            slots.release(slotsToo);
        }
    }

    /**
     * Whether a claim is worth a statement: not while the queue was found empty within the last
     * {@code recheck} and nothing changed since that this node knows of (work of this type arrived,
     * or one of its attempts here ended, which may also let a capped owner's next job run). Other
     * nodes' submissions are found by the recheck.
     */
    boolean mayHaveWork(long now, Duration recheck) {
        long found = foundEmptyAt;
        return found == 0 || now - found >= recheck.toNanos();
    }

    /** A claim got fewer jobs than it asked for: nothing more is claimable now. */
    void foundEmpty(long now) {
        foundEmptyAt = now == 0 ? 1 : now;
    }

    /** An attempt's processor returned: its slot is free. */
    void slotFreed() {
        slots.release();
        changed();
    }

    /** An attempt no longer holds room here (its end is being written). */
    void heldFreed() {
        held.release();
        changed();
    }

    /** Something changed that may make jobs of this type claimable. */
    void changed() {
        foundEmptyAt = 0;
    }
}
