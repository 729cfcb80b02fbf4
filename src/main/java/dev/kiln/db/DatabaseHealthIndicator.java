package dev.kiln.db;

import dev.kiln.support.Secrets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: the database answers {@code SELECT 1} within a second. The pool may wait longer for a
 * connection while the database is away, so the check runs on its own thread and is given up on
 * after the second; a check still under way is joined by the next probe rather than repeated, so
 * probes never pile up on a dead database.
 */
@Component
class DatabaseHealthIndicator implements HealthIndicator {

    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final Database db;
    private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

    DatabaseHealthIndicator(Database db) {
        this.db = db;
    }

    @Override
    public Health health() {
        long start = System.nanoTime();
        try {
            ping().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Health.up()
                    .withDetail("database", db.dialect().name())
                    .withDetail("responseTimeMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .build();
        } catch (TimeoutException e) {
            return Health.down()
                    .withDetail("database", db.dialect().name())
                    .withDetail("error", "No answer to SELECT 1 within " + TIMEOUT.toMillis() + " ms")
                    .build();
        } catch (ExecutionException e) {
            return Health.down()
                    .withDetail("database", db.dialect().name())
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
        if (pending.isDone()) {
            pending = CompletableFuture.runAsync(
                    () -> db.ping(TIMEOUT),
                    task -> Thread.ofVirtual().name("kiln-db-ping").start(task));
        }
        return pending;
    }
}
