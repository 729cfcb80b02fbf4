package dev.kiln.support;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background step on its own platform thread (so busy job threads cannot delay heartbeats or
 * rescues), run again at once when it says there is more to do,
 * otherwise after {@code interval} or an earlier {@link #wake()}. A failing step is logged and
 * retried after the interval; it never kills the loop.
 */
public final class Loop {

    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    private final String name;
    private final Duration interval;
    private final BooleanSupplier step;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    public Loop(String name, Duration interval, BooleanSupplier step) {
        this.name = name;
        this.interval = interval;
        this.step = step;
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    /** Stops after the current step; waits for it. */
    public void stop() {
        running = false;
        wake();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        int failures = 0;
        while (running) {
            boolean again = false;
            try {
                again = step.getAsBoolean();
                if (failures > 0) {
                    log.info("{} works again after {} failed attempt(s)", name, failures);
                    failures = 0;
                }
            } catch (RuntimeException e) {
                // The stack once; while the cause persists (say, the database is down), one line each time.
                if (failures++ == 0) {
                    log.warn("{} failed; trying again every {}", name, interval, e);
                } else {
                    log.warn("{} failed again ({}): {}", name, failures, e.getMessage());
                }
            }
            if (!again) {
                try {
                    wakeups.tryAcquire(interval.toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
