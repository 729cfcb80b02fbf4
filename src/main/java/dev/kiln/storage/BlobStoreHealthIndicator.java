package dev.kiln.storage;

import java.io.IOException;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Readiness: stored files can be written (uploads and results need it); names the store when they cannot. */
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
            return Health.up().withDetail("store", blobs.describe()).build();
        } catch (IOException | RuntimeException e) {
            return Health.down()
                    .withDetail("store", blobs.describe())
                    .withDetail(
                            "error",
                            "Cannot write to the blob store: "
                                    + Objects.requireNonNullElse(e.getMessage(), e.toString()))
                    .build();
        }
    }
}
