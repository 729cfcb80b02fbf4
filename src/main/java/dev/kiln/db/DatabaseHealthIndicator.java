package dev.kiln.db;

import dev.kiln.support.Secrets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: the database answers {@code SELECT 1} within a second. The pool may wait longer for a
 * connection while the database is away, so the check runs on its own thread and is given up on
 * after the second; a check still under way is joined by the next probe rather than repeated, so
 * probes never pile up on a dead database. A check that hangs for good (a read on a connection
 * whose server vanished without a reset waits for the kernel, some 15 minutes) is left behind after
 * {@link #ABANDON_AFTER}: the next probe asks again, so readiness follows a database that is back.
 */
@Component
class DatabaseHealthIndicator implements HealthIndicator {

    static final Duration TIMEOUT = Duration.ofSeconds(1);
    static final Duration ABANDON_AFTER = Duration.ofSeconds(10);

    private final String database;
    private final Consumer<Duration> ping;
    private final LongSupplier nanoTime;
    private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);
    private long pendingSince;

    @Autowired
    DatabaseHealthIndicator(Database db) {
        this(db.dialect().name(), db::ping, System::nanoTime);
    }

    DatabaseHealthIndicator(String database, Consumer<Duration> ping, LongSupplier nanoTime) {
        this.database = database;
        this.ping = ping;
        this.nanoTime = nanoTime;
    }

    @Override
    public Health health() {
        long start = System.nanoTime();
        try {
            ping().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up()
                    .withDetail("database", database)
                    .withDetail("responseTimeMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .build();
        } catch (TimeoutException e) {
            return Health.down()
                    .withDetail("database", database)
                    .withDetail("error", "No answer to SELECT 1 within " + TIMEOUT.toMillis() + " ms")
                    .build();
        } catch (ExecutionException e) {
            return Health.down()
                    .withDetail("database", database)
                    .withDetail(
                            "error",
                            Secrets.redact(e.getCause().getClass().getSimpleName() + ": "
                                    + e.getCause().getMessage()))
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.unknown().build();
        }
    }

    private synchronized CompletableFuture<Void> ping() {
        long now = nanoTime.getAsLong();
        if (pending.isDone() || now - pendingSince > ABANDON_AFTER.toNanos()) {
            pendingSince = now;
            pending = CompletableFuture.runAsync(
                    () -> ping.accept(TIMEOUT),
                    task -> Thread.ofVirtual().name("kiln-db-ping").start(task));
        }
        return pending;
    }
}
