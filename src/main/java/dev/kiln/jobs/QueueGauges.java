package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.processors.ProcessorRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The queue as the database has it, by type: how many jobs are claimable ({@code kiln.queue.depth})
 * and how long the oldest of them has been ({@code kiln.queue.oldest.age}). One GROUP BY over the
 * claimable jobs (the claim index), run by a scrape at most every {@link #FRESH_FOR}: a scrape never waits on more than
 * that one query, and frequent scrapes cost nothing. The numbers are the whole cluster's (every
 * node reports the same): aggregate them with max, not sum. A type external workers declared has
 * its series from the first snapshot a job of it waits in: the registry knows only the built-in
 * processors, and a type whose workers all crashed is the one whose queue an operator must see.
 */
@Component
class QueueGauges {

    private static final Logger log = LoggerFactory.getLogger(QueueGauges.class);
    static final Duration FRESH_FOR = Duration.ofSeconds(5);

    /** One type's line of the snapshot. */
    private record Line(long depth, long oldestRunAfter) {}

    private final Database db;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    private Map<String, Line> snapshot = Map.of();
    private long takenAt;
    private boolean taken;

    QueueGauges(Database db, Clock clock, MeterRegistry registry, ProcessorRegistry processors) {
        this.db = db;
        this.clock = clock;
        this.registry = registry;
        processors.all().forEach(processor -> gauge(processor.name()));
    }

    private void gauge(String type) {
        if (!gauged.add(type)) {
            return;
        }
        Gauge.builder("kiln.queue.depth", this, g -> g.line(type).depth())
                .description("Jobs claimable now (state queued), in the whole cluster")
                .tag("type", type)
                .register(registry);
        Gauge.builder("kiln.queue.oldest.age", this, g -> g.oldestAgeSeconds(type))
                .description("How long the longest-waiting claimable job has waited; 0 when none waits")
                .baseUnit("seconds")
                .tag("type", type)
                .register(registry);
    }

    private double oldestAgeSeconds(String type) {
        Line line = line(type);
        return line.depth() == 0 ? 0 : Math.max(0, clock.millis() - line.oldestRunAfter()) / 1000.0;
    }

    private synchronized Line line(String type) {
        long now = clock.millis();
        if (!taken || now - takenAt >= FRESH_FOR.toMillis() || now < takenAt) {
            // Taken now even if it fails: a database outage costs one query per interval, not one per gauge.
            takenAt = now;
            taken = true;
            try {
                snapshot = db
                        .sql()
                        .sql("""
                                SELECT type, count(*) AS depth, min(run_after) AS oldest FROM jobs
                                WHERE %s GROUP BY type""".formatted(Transition.CLAIMABLE))
                        .query((rs, n) ->
                                Map.entry(rs.getString("type"), new Line(rs.getLong("depth"), rs.getLong("oldest"))))
                        .list()
                        .stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                snapshot.keySet().forEach(this::gauge);
            } catch (DataAccessException e) {
                log.warn("Queue gauges keep their last values: {}", e.getMessage());
            }
        }
        return snapshot.getOrDefault(type, new Line(0, 0));
    }
}
