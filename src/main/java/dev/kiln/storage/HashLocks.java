package dev.kiln.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A store's locks by content hash (striped), under which a put of content already stored refreshes
 * its time and the sweep's delete checks that time and deletes: each one step against the other, so
 * a delete never lands between a put's finding the content there and its refresh (the put's new
 * file would point at nothing). Within one process: nodes sharing a directory or a bucket are not
 * covered. Held only for those short steps, never while content is copied.
 */
final class HashLocks {

    /** A step that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws IOException;
    }

    private final ReentrantLock[] stripes = new ReentrantLock[256];

    HashLocks() {
        Arrays.setAll(stripes, i -> new ReentrantLock());
    }

    /** {@link BlobStore#deleteIfStoredBefore}, for {@code store}: its time checked and the blob deleted as one step. */
    boolean deleteIfStoredBefore(BlobStore store, String sha256, Instant before) throws IOException {
        return holding(sha256, () -> {
            if (store.storedAt(sha256).filter(at -> at.isBefore(before)).isEmpty()) {
                return false;
            }
            store.delete(sha256);
            return true;
        });
    }

    <T> T holding(String sha256, Step<T> step) throws IOException {
        ReentrantLock lock = stripes[Math.floorMod(sha256.hashCode(), stripes.length)];
        lock.lock();
        try {
            return step.run();
        } finally {
            lock.unlock();
        }
    }
}
