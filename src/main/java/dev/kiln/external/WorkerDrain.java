package dev.kiln.external;

import dev.kiln.drain.DrainOrder;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Step 1 of the drain ({@link DrainOrder}), for external workers: this node stops handing out jobs,
 * and the long polls waiting on it answer at once (claims with no jobs, heartbeats as they stand),
 * so a worker turns to another node instead of holding the shutdown up for half a minute.
 */
@Component
class WorkerDrain implements SmartLifecycle {

    private final WorkerSignals signals;
    private volatile boolean running;

    WorkerDrain(WorkerSignals signals) {
        this.signals = signals;
    }

    @Override
    public void start() {
        running = true;
        signals.draining = false;
    }

    @Override
    public void stop() {
        running = false;
        signals.draining = true;
        signals.work.signalAll();
        signals.cancels.signalAll();
        signals.nodeCancels.signalAll();
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
