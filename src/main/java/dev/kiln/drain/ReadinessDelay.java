package dev.kiln.drain;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Step 2 of the drain ({@link DrainOrder}): readiness is already down (Spring Boot turns it at the
 * start of a close, before any lifecycle stops); the node goes on serving for
 * {@code kiln.drain.readiness-delay} before anything is closed.
 */
@Component
class ReadinessDelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReadinessDelay.class);

    private final DrainSettings settings;
    private volatile boolean running;

    ReadinessDelay(DrainSettings settings) {
        this.settings = settings;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (settings.readinessDelay().isPositive()) {
            log.info(
                    "Draining: readiness is down; serving on for {} so load balancers notice",
                    settings.readinessDelay());
            try {
                Thread.sleep(settings.readinessDelay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DrainOrder.READINESS_DELAY;
    }
}
