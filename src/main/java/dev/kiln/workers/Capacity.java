package dev.kiln.workers;

import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * One processor's room on this node: slots for attempts executing (its concurrency), room for
 * attempts held (executing, or waiting for their outcome to be written: twice the concurrency,
 * which bounds the outcome backlog and the leases to renew), and whether its queue was lately
 * found empty, so that claim rounds woken for other work do not ask again for nothing.
 */
final class Capacity {

    final Semaphore slots;
    final Semaphore held;
    /** When (nanoTime) a claim last found the queue of this type empty; 0 when it may hold work. */
    private volatile long foundEmptyAt;

    Capacity(int concurrency) {
        this.slots = new Semaphore(concurrency);
        this.held = new Semaphore(2 * concurrency);
    }

    /** How many jobs a claim may take now, at most {@code batch}. */
    int wanted(int batch) {
        return Math.min(Math.min(slots.availablePermits(), held.availablePermits()), batch);
    }

    /**
     * Takes the slots and room for up to {@code batch} jobs, for a claim about to be made; returns
     * how many. Only the outcome writer reserves (others only give back), so what it sees is there.
     */
    int reserve(int batch) {
        int n = wanted(batch);
        if (n > 0 && !slots.tryAcquire(n)) {
            return 0;
        }
        if (n > 0 && !held.tryAcquire(n)) {
            slots.release(n);
            return 0;
        }
        return n;
    }

    /** Gives back what a claim reserved and did not use. */
    void unreserve(int n) {
        if (n > 0) {
            slots.release(n);
            held.release(n);
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

    /** Something changed that may make jobs of this type claimable. */
    void changed() {
        foundEmptyAt = 0;
    }
}
