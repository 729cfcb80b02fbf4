package dev.kiln.limits;

import io.github.bucket4j.Bucket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Buckets in this process, for a single node. A bucket unused for a whole window has filled up
 * again and is dropped; and however many clients come, at most {@link #MAX_BUCKETS} are kept (the
 * least recently used go first), so memory stays bounded.
 */
final class LocalRateBuckets implements RateBuckets {

    static final int MAX_BUCKETS = 100_000;

    private final Map<String, Entry> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;
    private final int maxBuckets;

    LocalRateBuckets() {
        this(System::nanoTime, MAX_BUCKETS);
    }

    LocalRateBuckets(LongSupplier nanoTime, int maxBuckets) {
        this.nanoTime = nanoTime;
        this.maxBuckets = maxBuckets;
    }

    private static final class Entry {
        final Bucket bucket;
        final long windowNanos;
        volatile long lastUsed;

        Entry(Bucket bucket, long windowNanos) {
            this.bucket = bucket;
            this.windowNanos = windowNanos;
        }
    }

    @Override
    public Bucket bucket(String key, RateLimit limit) {
        Entry entry = buckets.computeIfAbsent(
                key,
                k -> new Entry(
                        Bucket.builder().addLimit(limit.bandwidth()).build(),
                        limit.window().toNanos()));
        entry.lastUsed = nanoTime.getAsLong();
        if (buckets.size() > maxBuckets) {
            trim();
        }
        return entry.bucket;
    }

    @Override
    public int removeExpired() {
        long now = nanoTime.getAsLong();
        int before = buckets.size();
        buckets.values().removeIf(e -> now - e.lastUsed > e.windowNanos);
        return before - buckets.size();
    }

    /** Over the cap: drop the idle ones, and if that is not enough, the least recently used down to 90%. */
    private synchronized void trim() {
        if (buckets.size() <= maxBuckets) {
            return;
        }
        removeExpired();
        int excess = buckets.size() - maxBuckets * 9 / 10;
        if (excess > 0) {
            // Times read once: they move while we sort.
            buckets.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue().lastUsed))
                    .sorted(Map.Entry.comparingByValue())
                    .limit(excess)
                    .forEach(e -> buckets.remove(e.getKey()));
        }
    }

    int size() {
        return buckets.size();
    }
}
