package dev.kiln.limits;

import dev.kiln.support.Loop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Deletes buckets that have filled up again, once a window; safe on every node at once. */
@Component
class RateBucketSweeper extends Loop {

    private static final Logger log = LoggerFactory.getLogger(RateBucketSweeper.class);

    private final RateBuckets buckets;

    RateBucketSweeper(RateBuckets buckets, LimitSettings settings) {
        super("kiln-rate-bucket-sweeper", settings.window());
        this.buckets = buckets;
    }

    @Override
    protected boolean step() {
        int removed = buckets.removeExpired();
        if (removed > 0) {
            log.debug("Removed {} full rate limit bucket(s)", removed);
        }
        return false;
    }
}
