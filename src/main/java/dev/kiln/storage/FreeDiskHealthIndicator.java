package dev.kiln.storage;

import dev.kiln.KilnHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Readiness: the data directory's disk has at least {@code kiln.health.min-free-disk} free. */
@Component
class FreeDiskHealthIndicator implements HealthIndicator {

    private final Path home;
    private final long threshold;

    FreeDiskHealthIndicator(KilnHome home, HealthSettings settings) {
        this.home = home.home().toAbsolutePath().normalize();
        this.threshold = settings.minFreeDisk().toBytes();
    }

    @Override
    public Health health() {
        try {
            long free = Files.getFileStore(home).getUsableSpace();
            return (free >= threshold ? Health.up() : Health.down())
                    .withDetail("path", home.toString())
                    .withDetail("freeBytes", free)
                    .withDetail("thresholdBytes", threshold)
                    .build();
        } catch (IOException e) {
            return Health.down()
                    .withDetail("path", home.toString())
                    .withDetail("error", e.toString())
                    .build();
        }
    }
}
