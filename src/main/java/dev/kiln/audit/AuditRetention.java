package dev.kiln.audit;

import dev.kiln.db.Database;
import dev.kiln.support.Loop;
import java.time.Clock;
import java.time.Duration;
import org.springframework.stereotype.Component;

/** Drops audit entries older than {@code kiln.audit.retention}, hourly, in small batches. Safe on every node at once. */
@Component
class AuditRetention extends Loop {

    private static final int BATCH = 1000;

    private final Database db;
    private final Clock clock;
    private final AuditSettings settings;

    AuditRetention(Database db, Clock clock, AuditSettings settings) {
        super("kiln-audit-retention", Duration.ofHours(1));
        this.db = db;
        this.clock = clock;
        this.settings = settings;
    }

    @Override
    protected boolean step() {
        return prune() == BATCH;
    }

    /** Deletes one batch of expired entries; returns how many. */
    int prune() {
        long cutoff = clock.millis() - settings.retention().toMillis();
        return db.write(() -> db.sql().sql("""
                        DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE at < ? ORDER BY seq LIMIT ?)""").params(cutoff, BATCH).update());
    }
}
