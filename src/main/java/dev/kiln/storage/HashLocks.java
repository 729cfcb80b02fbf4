package dev.kiln.storage;

import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.dao.CannotAcquireLockException;

/**
 * A store's locks by content hash, under which a put of content already stored refreshes its time
 * and the sweep's delete checks that time and deletes: each one step against the other, so a
 * delete never lands between a put's finding the content there and its refresh (the put's new file
 * would point at nothing). Within the process a striped lock; where the database serves several
 * nodes (PostgreSQL), also the database's lock of the hash ({@link LockSpace#CONTENT}), held by a
 * transaction around the step alone, so nodes sharing a directory or a bucket take turns too. The
 * process lock is always taken first. Held only for those short steps, never while content is
 * copied.
 */
final class HashLocks {

    /** A step that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws IOException;
    }

    private final ReentrantLock[] stripes = new ReentrantLock[256];
    /** Null where no database arbitrates (a store on its own, as in some tests). */
    private final Database db;

    HashLocks(Database db) {
        this.db = db;
        Arrays.setAll(stripes, i -> new ReentrantLock());
    }

    /** {@link BlobStore#deleteIfStoredBefore}, for {@code store}: its time checked and the blob deleted as one step. */
    boolean deleteIfStoredBefore(BlobStore store, String sha256, Instant before) throws IOException {
        return acrossNodes(sha256, () -> {
            if (store.storedAt(sha256).filter(at -> at.isBefore(before)).isEmpty()) {
                return false;
            }
            store.delete(sha256);
            return true;
        });
    }

    /**
     * {@code step} against every other step of {@code sha256} on every node: what a check of stored
     * content and its refresh or its delete runs under. Where the database serves several nodes
     * (PostgreSQL), its lock of the hash is held on a connection of its own, outside the node's
     * pool, and waited for only so long: then the step fails as the store's would (503
     * {@code storage_unavailable}, the sweep tries again next round). Never inside a transaction,
     * which would hold a connection of the node's pool across the store's round trips.
     */
    <T> T acrossNodes(String sha256, Step<T> step) throws IOException {
        if (db == null) {
            return holding(sha256, step);
        }
        if (db.inWrite()) {
            throw new IllegalStateException(
                    "a put or delete of content inside a transaction: it would stay open across the store's round trips");
        }
        return holding(sha256, () -> {
            try {
                return db.underContentLock(sha256, step::run);
            } catch (CannotAcquireLockException e) {
                throw new BlobStoreUnavailableException(
                        "Content " + sha256 + " stayed busy (a store that slow fails the steps waiting on it): "
                                + e.getMessage(),
                        e);
            }
        });
    }

    /** {@code step} against the steps of {@code sha256} in this process only. */
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
