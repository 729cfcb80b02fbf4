package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresStateMachineTest extends StateMachineContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }

    /**
     * {@code job_events} has no foreign key here (V24): a deletion that waited for a writer holding
     * the job's row still takes the events that writer committed, because the trigger that deletes a
     * deleted job's events reads with a snapshot of its own, taken after the wait.
     */
    @Test
    void aDeletionThatWaitedForAWriterTakesTheEventsItCommitted() throws Exception {
        Instant now = fx.clock.instant();
        Job job = fx.submit(alice, "work");
        assertThat(fx.db.write(() -> fx.arrows.cancelWaiting(job.id(), now))).isPresent();
        JobDeletion deletion = new JobDeletion(fx.db, fx.store, fx.events);
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch commit = new CountDownLatch(1);

        // Threads of their own: the common pool may have one, which the waiting writer would hold.
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(
                    () -> fx.db.write(() -> {
                        assertThat(fx.arrows.manualRetry(job.id(), 0, now))
                                .isPresent(); // holds the row, appends an event
                        written.countDown();
                        awaitLatch(commit);
                    }),
                    threads);
            assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Set<String>> deleted = CompletableFuture.supplyAsync(
                    () -> fx.db.write(() -> deletion.deleteRows(List.of(job.id()))), threads);
            await().atMost(Duration.ofSeconds(10)).until(this::aStatementWaitsForALock);
            commit.countDown();

            writer.get(10, TimeUnit.SECONDS);
            assertThat(deleted.get(10, TimeUnit.SECONDS)).containsExactly(job.id());
        }
        assertThat(fx.events(job.id())).as("the log, read without its job").isEmpty();
    }

    private boolean aStatementWaitsForALock() {
        return fx.db.sql().sql("""
                                SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
                                  AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM jobs%'""").query(Long.class).single() > 0;
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
