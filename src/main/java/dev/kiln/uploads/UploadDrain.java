package dev.kiln.uploads;

import dev.kiln.drain.DrainOrder;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Step 3 of the drain ({@link DrainOrder}), with the streams: upload PATCHes in progress stop at a
 * durable offset and let go of their uploads, so clients resume from HEAD on another node at once
 * instead of being cut when the web server stops (which would leave the upload locked for
 * {@code kiln.uploads.lock-stale-after} and its last bytes unrecorded).
 */
@Component
class UploadDrain implements SmartLifecycle {

    /** How long writes may take to notice (each checks between reads of at most 64 KB). */
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private final UploadWriter writer;
    private volatile boolean running;

    UploadDrain(UploadWriter writer) {
        this.writer = writer;
    }

    @Override
    public void start() {
        writer.resumeWrites();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        writer.stopWrites(PATIENCE);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DrainOrder.CLOSE_STREAMS;
    }
}
