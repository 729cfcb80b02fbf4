package dev.kiln.limits;

import dev.kiln.support.Loop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/** Deletes buckets that have filled up again, once a window; safe on every node at once. */
@Component
class RateBucketSweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RateBucketSweeper.class);

    private final Loop loop;
    private volatile boolean running;

    RateBucketSweeper(RateBuckets buckets, LimitSettings settings) {
        this.loop = new Loop("kiln-rate-bucket-sweeper", settings.window(), () -> {
            int removed = buckets.removeExpired();
            if (removed > 0) {
                log.debug("Removed {} full rate limit bucket(s)", removed);
            }
            return false;
        });
    }

    @Override
    public void start() {
        running = true;
        loop.start();
    }

    @Override
    public void stop() {
        running = false;
        loop.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
