package dev.kiln.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the received bytes of an unfinished upload are durable. Each node writes an upload into a
 * local file; with the data directory as the store ({@link #LOCAL}) that file, forced to disk, is
 * all there is (several nodes share the directory). With object storage each durable range is also
 * saved as an object ({@link S3UploadParts}), so another node can take the upload over from the
 * stored offset after this one dies, with no shared disk.
 */
public interface UploadParts {

    /** The data directory's: the forced local file is the durable copy. */
    UploadParts LOCAL = new UploadParts() {

        @Override
        public boolean shared() {
            return false;
        }

        @Override
        public void save(String uploadId, Path file, long from, long to, byte[] sha256) {}

        @Override
        public void restore(String uploadId, FileChannel into, long from, long to) throws IOException {
            throw new LostBytes(
                    "upload " + uploadId + " has lost bytes: " + into.size() + " on disk, " + to + " recorded");
        }

        @Override
        public void delete(String uploadId) {}

        @Override
        public List<String> savedBefore(Instant before) {
            return List.of();
        }

        @Override
        public Optional<StoredBlob> store(String uploadId, Path file, long length, String sha256) {
            return Optional.empty();
        }
    };

    /**
     * Bytes recorded as received cannot be had again: gone from where they were saved, or not
     * hashing to what was recorded. Unlike a store that cannot be reached, retrying will not help.
     */
    final class LostBytes extends IOException {
        public LostBytes(String message) {
            super(message);
        }
    }

    /** Whether the saved bytes live beyond this node (then its local file is only a working copy). */
    boolean shared();

    /**
     * Saves bytes {@code [from, to)} of the upload's local file, already forced to disk, whose
     * SHA-256 ({@code sha256}, kept by the writer as the bytes arrived) the store checks on arrival.
     */
    void save(String uploadId, Path file, long from, long to, byte[] sha256) throws IOException;

    /**
     * Writes the saved bytes {@code [from, to)} into {@code into} at {@code from} (or, when no saved
     * ranges start at {@code from}, all of {@code [0, to)}).
     *
     * @throws LostBytes when the saved ranges do not reach {@code to}
     */
    void restore(String uploadId, FileChannel into, long from, long to) throws IOException;

    /** Forgets an upload's saved bytes (completed, terminated or expired). */
    void delete(String uploadId) throws IOException;

    /**
     * The uploads with saved bytes, none saved since {@code before}: for the sweep to delete those
     * whose upload is over but whose bytes outlived it (their deletion failed, or the node died first).
     */
    List<String> savedBefore(Instant before) throws IOException;

    /**
     * Stores a whole upload ({@code file}, its {@code length} bytes checked to hash to
     * {@code sha256}) as a blob where this store keeps uploads' bytes: the object store joins the
     * saved ranges into it when it can, so the bytes are not sent again, else takes the file. Empty
     * for the data directory, whose blob store adopts the file. Takes {@code file} when it stores.
     */
    Optional<StoredBlob> store(String uploadId, Path file, long length, String sha256) throws IOException;
}
