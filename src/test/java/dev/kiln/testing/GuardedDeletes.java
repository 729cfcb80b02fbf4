package dev.kiln.testing;

import dev.kiln.storage.BlobStore;
import dev.kiln.storage.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A blob store that asks {@code guard} before each deletion of content (which may throw, or halt the
 * process) and otherwise does what the store it wraps does: the tests' way to make deletions fail.
 */
public class GuardedDeletes implements BlobStore {

    /** Called with the content about to be deleted. */
    @FunctionalInterface
    public interface Guard {
        void beforeDelete(String sha256) throws IOException;
    }

    private final BlobStore blobs;
    private final Guard guard;

    public GuardedDeletes(BlobStore blobs, Guard guard) {
        this.blobs = blobs;
        this.guard = guard;
    }

    @Override
    public void delete(String sha256) throws IOException {
        guard.beforeDelete(sha256);
        blobs.delete(sha256);
    }

    @Override
    public boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException {
        guard.beforeDelete(sha256);
        return blobs.deleteIfStoredBefore(sha256, before);
    }

    @Override
    public StoredBlob put(InputStream in, long maxBytes) throws IOException {
        return blobs.put(in, maxBytes);
    }

    @Override
    public StoredBlob adopt(Path file, String sha256) throws IOException {
        return blobs.adopt(file, sha256);
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        return blobs.open(sha256, offset);
    }

    @Override
    public LocalCopy localCopy(String sha256) throws IOException {
        return blobs.localCopy(sha256);
    }

    @Override
    public boolean exists(String sha256) {
        return blobs.exists(sha256);
    }

    @Override
    public Optional<Instant> storedAt(String sha256) throws IOException {
        return blobs.storedAt(sha256);
    }

    @Override
    public List<Entry> storedBefore(Instant before) throws IOException {
        return blobs.storedBefore(before);
    }

    @Override
    public void checkWritable() throws IOException {
        blobs.checkWritable();
    }

    @Override
    public String describe() {
        return blobs.describe();
    }
}
