package dev.kiln.storage;

import java.io.IOException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Readiness: stored files can be written (uploads and results need it). */
@Component
class BlobStoreHealthIndicator implements HealthIndicator {

    private final BlobStore blobs;

    BlobStoreHealthIndicator(BlobStore blobs) {
        this.blobs = blobs;
    }

    @Override
    public Health health() {
        try {
            blobs.checkWritable();
            return Health.up().build();
        } catch (IOException | RuntimeException e) {
            return Health.down()
                    .withDetail("error", "Cannot write to the blob store: " + e)
                    .build();
        }
    }
}
