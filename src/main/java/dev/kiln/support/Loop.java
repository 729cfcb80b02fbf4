package dev.kiln.support;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A background step on its own platform thread (so busy job threads cannot delay heartbeats or
 * rescues), run again at once when it says there is more to do,
 * otherwise after {@code interval} or an earlier {@link #wake()}. A failing step is logged and
 * retried after the interval; it never kills the loop.
 *
 * <p>A component whose whole life is one loop extends it and overrides {@link #step()}: as a
 * {@link SmartLifecycle}, Spring starts it with the context and stops it (waiting for the step) on shutdown.
 */
public class Loop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Loop.class);
    /** Longest a step may take beyond the interval before the loop counts as stuck. */
    private static final Duration STUCK_AFTER = Duration.ofMinutes(1);

    private final String name;
    private final Duration interval;
    private final BooleanSupplier step;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean running;
    /** When the last step ended (or the loop started): a loop that stops stepping is stuck. */
    private volatile long lastStepNanos;

    private Thread thread;

    public Loop(String name, Duration interval, BooleanSupplier step) {
        this.name = name;
        this.interval = interval;
        this.step = step;
    }

    /** For a subclass that is its own step: it overrides {@link #step()}. */
    protected Loop(String name, Duration interval) {
        this(name, interval, null);
    }

    /** One step; true when there is more to do at once. */
    protected boolean step() {
        return step.getAsBoolean();
    }

    @Override
    public synchronized void start() {
        running = true;
        lastStepNanos = System.nanoTime();
        thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    /** Stops after the current step; waits for it. */
    @Override
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

    @Override
    public boolean isRunning() {
        return running;
    }

    /** How the loop is doing, for health checks. */
    public record Status(String name, boolean running, Duration sinceLastStep, Duration interval) {

        /** Running, and a step ended within its interval plus a minute (a slow or failing step still ends). */
        public boolean healthy() {
            return running && sinceLastStep.compareTo(interval.plus(STUCK_AFTER)) <= 0;
        }
    }

    public Status status() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return new Status(
                name,
                running && t != null && t.isAlive(),
                Duration.ofNanos(System.nanoTime() - lastStepNanos),
                interval);
    }

    private void run() {
        int failures = 0;
        while (running) {
            boolean again = false;
            try {
                again = step();
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
            lastStepNanos = System.nanoTime();
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
