package dev.kiln.workers;

import dev.kiln.support.Loop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: this node's job machinery runs — the claim and heartbeat loops, the outcome writer and
 * queue maintenance are alive and still stepping. A node with workers switched off only serves the
 * API, and is ready without them.
 */
@Component
class WorkersHealthIndicator implements HealthIndicator {

    private final WorkerSettings settings;
    private final WorkerPool pool;
    private final QueueMaintenance maintenance;

    WorkersHealthIndicator(WorkerSettings settings, WorkerPool pool, QueueMaintenance maintenance) {
        this.settings = settings;
        this.pool = pool;
        this.maintenance = maintenance;
    }

    @Override
    public Health health() {
        if (!settings.enabled()) {
            return Health.up().withDetail("enabled", false).build();
        }
        List<Loop.Status> loops = new ArrayList<>(pool.loops());
        loops.add(maintenance.status());
        Map<String, Object> details = new LinkedHashMap<>();
        boolean healthy = pool.outcomeWriterAlive();
        details.put("kiln-outcome-writer", healthy ? "running" : "stopped");
        for (Loop.Status loop : loops) {
            healthy &= loop.healthy();
            details.put(
                    loop.name(),
                    !loop.running()
                            ? "stopped"
                            : "last step ended " + loop.sinceLastStep().toMillis() + " ms ago"
                                    + (loop.healthy() ? "" : " (stuck)"));
        }
        return (healthy ? Health.up() : Health.down()).withDetails(details).build();
    }
}
