package dev.kiln.support;

/**
 * Lets a CPU-bound copy loop give way now and then, told after each buffer. On a platform thread
 * (a body copy thread) it yields after every buffer: a carrier woken by a request then runs at once
 * rather than after the copy's time slice (under 20 uploads, GET p50 and p99 about halved at the same
 * throughput: docs/benchmarks.md, "Uploads"). On a virtual thread, which is never preempted, it yields
 * its carrier every MiB; more often cost a quarter of a single upload's speed.
 */
public final class CopyPacing {

    private static final int VIRTUAL_EVERY = 1024 * 1024;

    private long sinceYield;

    /** {@code bytes} more were copied. */
    public void copied(int bytes) {
        if (!Thread.currentThread().isVirtual()) {
            Thread.yield();
            return;
        }
        sinceYield += bytes;
        if (sinceYield >= VIRTUAL_EVERY) {
            sinceYield = 0;
            Thread.yield();
        }
    }
}
