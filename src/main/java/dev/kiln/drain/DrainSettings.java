package dev.kiln.drain;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param readinessDelay on SIGTERM, how long the node keeps serving everything after readiness
 *                       turned 503 and before it closes streams and releases jobs: time for a
 *                       load balancer's probe to notice; default 0s (set it to your probe's
 *                       period, e.g. 5s, behind a load balancer)
 */
@ConfigurationProperties("kiln.drain")
public record DrainSettings(@DefaultValue("0s") Duration readinessDelay) {

    public DrainSettings {
        if (readinessDelay.isNegative()) {
            throw new IllegalArgumentException("kiln.drain.readiness-delay must not be negative");
        }
    }
}
