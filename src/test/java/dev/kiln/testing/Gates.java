package dev.kiln.testing;

import dev.kiln.processors.JobContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Named gates a test opens to let a waiting test job go on: a signal, not a sleep. */
public final class Gates {

    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final Map<String, java.util.concurrent.Semaphore> ARRIVALS = new ConcurrentHashMap<>();

    private Gates() {}

    public static void open(String name) {
        latch(name).countDown();
    }

    /** Waits for the gate, stopping promptly if the job is cancelled. */
    static void await(String name, JobContext context) throws InterruptedException {
        CountDownLatch latch = latch(name);
        while (!latch.await(20, TimeUnit.MILLISECONDS)) {
            context.checkCancelled();
        }
    }

    /** A job signals the test that it has reached a point (e.g. it is now busy). */
    static void arrive(String name) {
        arrivals(name).release();
    }

    /** Waits until {@code count} jobs have arrived at {@code name}; false on timeout. */
    public static boolean awaitArrivals(String name, int count, java.time.Duration patience)
            throws InterruptedException {
        return arrivals(name).tryAcquire(count, patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.Semaphore arrivals(String name) {
        return ARRIVALS.computeIfAbsent(name, n -> new java.util.concurrent.Semaphore(0));
    }

    private static CountDownLatch latch(String name) {
        return GATES.computeIfAbsent(name, n -> new CountDownLatch(1));
    }
}
