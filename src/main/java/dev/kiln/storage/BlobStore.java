package dev.kiln.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where file contents live, addressed by their SHA-256: the same content is stored once.
 * A seam for other stores (a shared directory now; object storage later).
 */
public interface BlobStore {

    /**
     * Streams {@code in} into the store, hashing as it goes; never holds the content in memory.
     *
     * @throws BlobTooLargeException when more than {@code maxBytes} arrive (nothing is kept)
     */
    StoredBlob put(InputStream in, long maxBytes) throws IOException;

    /**
     * Takes a complete file whose SHA-256 the caller computed while writing it, moving it into the
     * store (or dropping it when that content is already stored). The file must be on the store's
     * filesystem; it is gone afterwards.
     */
    StoredBlob adopt(Path file, String sha256) throws IOException;

    InputStream open(String sha256) throws IOException;

    /** A local path to the content, for tools that need a file (decoders, parsers). */
    Path localPath(String sha256) throws IOException;

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

    /** Proves the store takes writes now (for readiness): writes and deletes a small probe. */
    void checkWritable() throws IOException;
}
