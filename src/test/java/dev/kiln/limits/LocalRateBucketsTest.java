package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The single node's buckets: one per key, forgotten once full again, never more than the cap. */
class LocalRateBucketsTest {

    private static final RateLimit LIMIT = new RateLimit("requests", "API requests", 3, Duration.ofSeconds(10));

    private final AtomicLong now = new AtomicLong();
    private final LocalRateBuckets buckets = new LocalRateBuckets(now::get, 100);

    @Test
    void aKeyKeepsItsBucketWhileItIsInUse() {
        Bucket first = buckets.bucket("a", LIMIT);
        assertThat(first.tryConsume(3)).isTrue();
        now.addAndGet(Duration.ofSeconds(9).toNanos());

        assertThat(buckets.removeExpired()).isZero();
        assertThat(buckets.bucket("a", LIMIT)).isSameAs(first);
        assertThat(buckets.bucket("b", LIMIT)).isNotSameAs(first);
    }

    @Test
    void bucketsUnusedForAWholeWindowAreForgotten() {
        buckets.bucket("a", LIMIT);
        buckets.bucket("b", LIMIT);
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        buckets.bucket("b", LIMIT);
        now.addAndGet(Duration.ofSeconds(6).toNanos());

        assertThat(buckets.removeExpired()).isEqualTo(1);
        assertThat(buckets.size()).isEqualTo(1);
    }

    @Test
    void manyClientsNeverHoldMoreThanTheCapAndTheLeastRecentGoFirst() {
        Bucket oldest = buckets.bucket("client-0", LIMIT);
        for (int i = 1; i < 1000; i++) {
            now.incrementAndGet();
            buckets.bucket("client-" + i, LIMIT);
            assertThat(buckets.size()).isLessThanOrEqualTo(100);
        }
        Bucket newest = buckets.bucket("client-999", LIMIT);
        now.incrementAndGet();

        assertThat(buckets.bucket("client-999", LIMIT)).isSameAs(newest);
        assertThat(buckets.bucket("client-0", LIMIT)).isNotSameAs(oldest);
    }
}
