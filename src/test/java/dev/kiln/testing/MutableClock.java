package dev.kiln.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A clock tests move by hand, so time-dependent behaviour needs no sleeping. */
public final class MutableClock extends Clock {

    private volatile Instant now;

    // One pause per clock: a step of a race, held still while the test makes the other step.
    private volatile String pausedThread;
    private volatile int pauseAtReading;
    private final AtomicInteger readings = new AtomicInteger();
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resumed = new CountDownLatch(1);

    public MutableClock(Instant start) {
        this.now = start;
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    /** The {@code n}-th reading on the thread named {@code thread} waits for {@link #resume} (at most 10 s). */
    public void pauseAt(String thread, int n) {
        pauseAtReading = n;
        pausedThread = thread;
    }

    /** Whether that reading was reached within 10 s. */
    public boolean awaitPaused() throws InterruptedException {
        return paused.await(10, TimeUnit.SECONDS);
    }

    public void resume() {
        resumed.countDown();
    }

    @Override
    public Instant instant() {
        String thread = pausedThread;
        if (thread != null
                && Thread.currentThread().getName().equals(thread)
                && readings.incrementAndGet() == pauseAtReading) {
            paused.countDown();
            try {
                resumed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
