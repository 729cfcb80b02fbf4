package dev.kiln.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

class LocalBlobStoreTest extends BlobStoreContract {

    @Override
    BlobStore newStore() {
        return new LocalBlobStore(work.resolve("blobs"));
    }

    @Override
    BlobStore newStore(Runnable afterStoredAt) {
        return new LocalBlobStore(work.resolve("blobs-" + UUID.randomUUID())) {
            @Override
            public Optional<Instant> storedAt(String sha256) throws IOException {
                Optional<Instant> at = super.storedAt(sha256);
                afterStoredAt.run();
                return at;
            }
        };
    }
}
