package dev.kiln.audit;

import dev.kiln.db.Database;
import dev.kiln.support.Loop;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/** Drops audit entries older than {@code kiln.audit.retention}, hourly, in small batches. Safe on every node at once. */
@Component
class AuditRetention implements SmartLifecycle {

    private static final int BATCH = 1000;

    private final Database db;
    private final Clock clock;
    private final AuditSettings settings;
    private final Loop loop;
    private volatile boolean running;

    AuditRetention(Database db, Clock clock, AuditSettings settings) {
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.loop = new Loop("kiln-audit-retention", Duration.ofHours(1), () -> prune() == BATCH);
    }

    /** Deletes one batch of expired entries; returns how many. */
    int prune() {
        long cutoff = clock.millis() - settings.retention().toMillis();
        return db.write(() -> db.sql().sql("""
                        DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE at < ? ORDER BY seq LIMIT ?)""")
                .params(cutoff, BATCH)
                .update());
    }

    @Override
    public void start() {
        running = true;
        loop.start();
    }

    @Override
    public void stop() {
        running = false;
        loop.stop();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
