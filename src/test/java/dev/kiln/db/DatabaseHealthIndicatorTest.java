package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

class DatabaseHealthIndicatorTest {

    /**
     * The first check hangs for good (a read on a connection whose server vanished without a reset);
     * the database answers again on any other connection. Readiness must follow it once the hung
     * check is old enough to be left behind, not stay down until the kernel gives up on the socket.
     */
    @Test
    void aCheckThatHangsForGoodIsLeftBehindAndReadinessComesBack() {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger checks = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        DatabaseHealthIndicator health = new DatabaseHealthIndicator(
                "postgresql",
                timeout -> {
                    if (checks.incrementAndGet() == 1) {
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                },
                now::get);
        try {
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(health.health().getStatus())
                    .as("a probe soon after joins the check under way")
                    .isEqualTo(Status.DOWN);
            assertThat(checks).hasValue(1);

            now.addAndGet(DatabaseHealthIndicator.ABANDON_AFTER.toNanos());
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(checks).hasValue(2);
        } finally {
            never.countDown();
        }
    }
}
