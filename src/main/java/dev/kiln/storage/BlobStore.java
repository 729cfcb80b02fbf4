package dev.kiln.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where file contents live, addressed by their SHA-256: the same content is stored once. Two
 * implementations: a local directory ({@link LocalBlobStore}, the embedded default) and
 * S3-compatible object storage ({@link S3BlobStore}, for several nodes without a shared disk).
 */
public interface BlobStore {

    /**
     * Streams {@code in} into the store, hashing as it goes; never holds the content in memory.
     *
     * @throws BlobTooLargeException when more than {@code maxBytes} arrive (nothing is kept)
     */
    StoredBlob put(InputStream in, long maxBytes) throws IOException;

    /**
     * Takes a complete local file whose SHA-256 the caller computed while writing it (or drops it
     * when that content is already stored). The file must be on the data directory's filesystem; it
     * is gone afterwards, unless the store could not take it (an exception), which leaves it.
     */
    StoredBlob adopt(Path file, String sha256) throws IOException;

    /** The content from its start. @throws java.nio.file.NoSuchFileException when it is not stored */
    default InputStream open(String sha256) throws IOException {
        return open(sha256, 0);
    }

    /**
     * The content from byte {@code offset} (within the content) to its end, fetched from there (a
     * range request, a player seeking), not read and skipped.
     *
     * @throws java.nio.file.NoSuchFileException when it is not stored
     */
    InputStream open(String sha256, long offset) throws IOException;

    /**
     * The content as a local file, for tools that need a path (decoders, parsers): the store's own
     * file, or a copy in a bounded cache that is not evicted until the copy is closed. Read only.
     *
     * @throws java.nio.file.NoSuchFileException when it is not stored
     */
    LocalCopy localCopy(String sha256) throws IOException;

    /** A local file of a blob's content, held until closed. */
    interface LocalCopy extends AutoCloseable {

        Path path();

        @Override
        void close();
    }

    boolean exists(String sha256);

    /** A stored blob and when it was stored. */
    record Entry(String sha256, Instant storedAt) {}

    /**
     * When the blob was stored, or last stored again (a put of content already there counts as a
     * new store, so a sweep spares content a new file is about to use); empty when absent.
     */
    Optional<Instant> storedAt(String sha256) throws IOException;

    /** Every blob stored before {@code before}, for sweeping. */
    List<Entry> storedBefore(Instant before) throws IOException;

    void delete(String sha256) throws IOException;

    /**
     * Deletes the blob only if it was stored, and not stored again, before {@code before}: the
     * sweep's delete, so content a new file is taking up (stored again a moment ago) is never swept
     * from under it. Returns whether it deleted. Both stores decide and delete as one step against
     * every put of the same content that finds it stored: this process's, and, where the database
     * serves several nodes (PostgreSQL), those of every node sharing the directory or the bucket
     * ({@link HashLocks}).
     */
    boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException;

    /** Proves the store takes writes now (for readiness): writes, reads back and deletes a small probe. */
    void checkWritable() throws IOException;

    /** Which store this is, for health details and errors: a directory, or a bucket at an endpoint. */
    String describe();
}
