package dev.kiln.processors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.QueueFixture;
import dev.kiln.testing.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

class DeclaredProcessorsTest {

    private static final String DECLARATION = """
            {"description": "", "accepts": ["none"], "params": {"type": "object"},
             "limits": {"maxAttempts": 3, "timeoutSeconds": 60, "concurrency": 1},
             "shape": null, "version": "", "reusable": false}""";

    /**
     * A look that read the catalogue before a declaration and installs its snapshot after the
     * declaration's own must not hide the processor: a submission follows the declaration's 200 at once.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.Kind.class)
    void aReadOlderThanADeclarationNeverHidesIt(TestDatabases.Kind kind) throws Exception {
        try (QueueFixture fixture = new QueueFixture(kind)) {
            String worker = fixture.user("worker").id();
            PausingClock clock = new PausingClock();
            DeclaredProcessors declared = new DeclaredProcessors(fixture.db, fixture.json, clock);
            JsonNode declaration = fixture.json.readTree(DECLARATION);

            // The look's third reading of the clock is the one after its queries, before its install.
            clock.pauseAt("older-look", 3);
            CompletableFuture<Optional<DeclaredProcessor>> older = new CompletableFuture<>();
            Thread.ofPlatform().name("older-look").start(() -> older.complete(declared.find("render")));
            assertThat(clock.paused.await(10, TimeUnit.SECONDS))
                    .as("the look paused")
                    .isTrue();

            assertThat(declared.declare("render", declaration, worker).name()).isEqualTo("render");
            assertThat(declared.find("render")).isPresent();
            clock.resume.countDown();
            assertThat(older.get(10, TimeUnit.SECONDS))
                    .as("it read before the declaration")
                    .isEmpty();

            assertThat(declared.find("render"))
                    .as("after the older look installed its snapshot")
                    .isPresent();
        }
    }

    /** A clock that, on one thread, stops at its n-th reading until resumed. */
    private static final class PausingClock extends Clock {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        private final Instant now = Instant.parse("2026-01-01T00:00:00Z");
        private final AtomicInteger readings = new AtomicInteger();
        private volatile String thread;
        private volatile int pauseAt;

        void pauseAt(String threadName, int n) {
            this.thread = threadName;
            this.pauseAt = n;
        }

        @Override
        public Instant instant() {
            if (Thread.currentThread().getName().equals(thread) && readings.incrementAndGet() == pauseAt) {
                paused.countDown();
                try {
                    resume.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
