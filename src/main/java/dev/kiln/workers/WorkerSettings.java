package dev.kiln.workers;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled             whether this node runs jobs at all; default true
 * @param pollInterval        how often an idle node looks for work it was not told about
 *                            (other nodes' submissions, ended backoffs); default 1s
 * @param leaseDuration       how long a claim holds without renewal; a crashed node's jobs are
 *                            rescued this long after its last heartbeat; default 15s
 * @param heartbeatInterval   how often running jobs' leases are renewed; default 3s
 * @param maintenanceInterval how often expired leases and overdue cancels are looked for; default 2s
 * @param claimBatchSize      most jobs claimed in one statement; default 64
 * @param shutdownGrace       on shutdown, how long running jobs may take to finish before they
 *                            are released to be run again elsewhere; default 30s
 * @param progressInterval    least spacing of stored progress updates per job (the latest wins; a
 *                            report after a quiet spell is stored at once); default 250ms
 */
@ConfigurationProperties("kiln.workers")
public record WorkerSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("15s") Duration leaseDuration,
        @DefaultValue("3s") Duration heartbeatInterval,
        @DefaultValue("2s") Duration maintenanceInterval,
        @DefaultValue("64") int claimBatchSize,
        @DefaultValue("30s") Duration shutdownGrace,
        @DefaultValue("250ms") Duration progressInterval) {

    public WorkerSettings {
        if (heartbeatInterval.multipliedBy(2).compareTo(leaseDuration) > 0) {
            throw new IllegalArgumentException("kiln.workers.heartbeat-interval (" + heartbeatInterval
                    + ") must be at most half of kiln.workers.lease-duration (" + leaseDuration + ")");
        }
        if (claimBatchSize < 1) {
            throw new IllegalArgumentException("kiln.workers.claim-batch-size must be at least 1");
        }
    }
}
