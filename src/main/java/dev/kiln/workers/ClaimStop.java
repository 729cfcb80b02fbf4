package dev.kiln.workers;

import dev.kiln.drain.DrainOrder;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Step 1 of the drain ({@link DrainOrder}): the worker pool stops claiming before anything else
 * stops, so no job starts on a node that is going; its running jobs are dealt with later, in
 * the pool's own stop.
 */
@Component
class ClaimStop implements SmartLifecycle {

    private final WorkerPool pool;
    private volatile boolean running;

    ClaimStop(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public void start() {
        running = true; // the pool claims from its own start on
    }

    @Override
    public void stop() {
        running = false;
        pool.stopClaiming();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DrainOrder.STOP_CLAIMING;
    }
}
