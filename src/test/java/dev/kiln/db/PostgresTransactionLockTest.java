package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Database#lockUntilCommit} on PostgreSQL: every key is locked, and held until the transaction ends. */
class PostgresTransactionLockTest {

    /** Own threads: the common pool may have only one, which the first transaction keeps busy. */
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    private HikariDataSource dataSource;
    private Database db;

    @BeforeEach
    void open() {
        dataSource = Databases.pool(
                DatabaseSettings.forUrl(TestDatabases.fresh(TestDatabases.Kind.POSTGRES), 4),
                new KilnHome(TestDatabases.tempDir("kiln-home-")));
        db = Databases.migrate(dataSource);
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        dataSource.close();
    }

    @Test
    void aSecondTransactionOnAHeldKeyWaitsForTheFirstToCommit() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> db.write(() -> {
                    db.lockUntilCommit(LockSpace.RUNNING_JOBS, List.of("alice", "bob", "alice"));
                    locked.countDown();
                    waitFor(release);
                    return null;
                }),
                threads);
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(advisoryLocks(true)).as("one lock per distinct key").isEqualTo(2);

        CompletableFuture<Void> second = CompletableFuture.runAsync(
                () -> db.write(() -> {
                    db.lockUntilCommit(LockSpace.RUNNING_JOBS, List.of("bob"));
                    return null;
                }),
                threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> advisoryLocks(false) == 1);
        assertThat(second).isNotDone();

        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertThat(advisoryLocks(true) + advisoryLocks(false))
                .as("all released at commit")
                .isZero();
    }

    private long advisoryLocks(boolean granted) {
        return db.sql().sql("""
                        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = ?
                          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""").param(granted).query(Long.class).single();
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
