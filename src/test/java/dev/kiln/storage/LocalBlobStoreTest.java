package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LocalBlobStoreTest extends BlobStoreContract {

    @Override
    BlobStore newStore() {
        return new LocalBlobStore(work.resolve("blobs"));
    }

    /**
     * Content a deletion let go, uploaded again just as a sweep found it old: the put that returned
     * leaves the content stored (its new file row would otherwise point at nothing). The put is made
     * while the sweep is between reading the content's time and deleting it.
     */
    @Test
    void aSweepNeverDeletesContentAPutStoresAgainWhileItDecides() throws Exception {
        byte[] content = random(2_000);
        Instant sweepBound = Instant.now().minus(Duration.ofHours(1));
        CompletableFuture<StoredBlob> stored = new CompletableFuture<>();
        Thread[] putter = new Thread[1];
        LocalBlobStore store = new LocalBlobStore(work.resolve("pausing")) {
            @Override
            public Optional<Instant> storedAt(String sha256) throws IOException {
                Optional<Instant> at = super.storedAt(sha256);
                putter[0] = Thread.ofPlatform().start(() -> {
                    try {
                        stored.complete(putInto(this, content));
                    } catch (IOException | RuntimeException e) {
                        stored.completeExceptionally(e);
                    }
                });
                // The put either finishes or waits for the sweep's decision to be over.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> stored.isDone() || putter[0].getState() == Thread.State.WAITING);
                return at;
            }
        };
        String sha =
                putInto(new LocalBlobStore(work.resolve("pausing")), content).sha256();
        Path blob = work.resolve("pausing")
                .resolve(sha.substring(0, 2))
                .resolve(sha.substring(2, 4))
                .resolve(sha);
        Files.setLastModifiedTime(blob, FileTime.from(sweepBound.minus(Duration.ofHours(1))));

        store.deleteIfStoredBefore(sha, sweepBound);
        putter[0].join(Duration.ofSeconds(10));

        assertThat(stored.get().sha256()).isEqualTo(sha);
        assertThat(store.exists(sha)).as("stored again while the sweep decided").isTrue();
    }

    private static StoredBlob putInto(BlobStore store, byte[] content) throws IOException {
        return store.put(new ByteArrayInputStream(content), Long.MAX_VALUE);
    }
}
