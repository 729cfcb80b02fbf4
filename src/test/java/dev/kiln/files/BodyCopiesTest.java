package dev.kiln.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.util.unit.DataSize;

class BodyCopiesTest {

    /** A copy that is never run would leave its caller waiting for ever: fail instead. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final BodyCopies copies =
            new BodyCopies(new FileSettings(DataSize.ofGigabytes(1), DataSize.ofGigabytes(1), 1));

    @AfterEach
    void tearDown() {
        copies.close();
        MDC.clear();
    }

    @Test
    void aCopyRunsOnAPlatformThreadWithTheCallersLogFieldsAndLeavesNoneBehind() throws Exception {
        String[] seen = new String[2];
        Thread.ofVirtual()
                .start(() -> {
                    MDC.put("request_id", "r-1");
                    seen[0] = copies.run(() -> Thread.currentThread().isVirtual() + " " + MDC.get("request_id"));
                    MDC.clear();
                    seen[1] = copies.run(() -> String.valueOf(MDC.get("request_id")));
                })
                .join();
        assertThat(seen[0]).isEqualTo("false r-1");
        assertThat(seen[1]).as("the copy thread kept no fields").isEqualTo("null");
    }

    @Test
    void whatACopyThrowsReachesTheCallerWithTheCallersStack() {
        IOException failure = new IOException("the client went away");
        assertThatThrownBy(() -> copies.run(() -> {
                    throw failure;
                }))
                .isSameAs(failure)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }

    @Test
    void aCopyBeyondTheThreadsRunsOnItsCallerInsteadOfWaiting() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> copies.run(() -> {
            holding.countDown();
            return await(release);
        }));
        try {
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(assertTimeoutPreemptively(WAIT, () -> {
                        Thread caller = Thread.currentThread();
                        return copies.run(() -> Thread.currentThread() == caller);
                    }))
                    .isTrue();
        } finally {
            release.countDown();
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void afterCloseACopyStillRunsOnItsCaller() {
        copies.close();
        assertThat(assertTimeoutPreemptively(WAIT, () -> {
                    Thread caller = Thread.currentThread();
                    return copies.run(() -> Thread.currentThread() == caller);
                }))
                .isTrue();
    }
}
