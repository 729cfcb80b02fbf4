package dev.kiln.storage;

import dev.kiln.KilnHome;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: the data directory's disk has at least {@code kiln.health.min-free-disk} free. The
 * figures are on the scrape too ({@code kiln.storage.free.bytes}, {@code kiln.storage.min.free.bytes}),
 * so an alert can fire well before readiness turns.
 */
@Component
class FreeDiskHealthIndicator implements HealthIndicator {

    private final Path home;
    private final long threshold;

    FreeDiskHealthIndicator(KilnHome home, HealthSettings settings, MeterRegistry registry) {
        this.home = home.home().toAbsolutePath().normalize();
        this.threshold = settings.minFreeDisk().toBytes();
        Gauge.builder("kiln.storage.free", this, FreeDiskHealthIndicator::freeOrNaN)
                .description("Usable bytes on the data directory's disk")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("kiln.storage.min.free", () -> threshold)
                .description("Free bytes below which the node is not ready (kiln.health.min-free-disk)")
                .baseUnit("bytes")
                .register(registry);
    }

    private double freeOrNaN() {
        try {
            return Files.getFileStore(home).getUsableSpace();
        } catch (IOException e) {
            return Double.NaN;
        }
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
