package dev.kiln.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

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

    InputStream open(String sha256) throws IOException;

    /** A local path to the content, for tools that need a file (decoders, parsers). */
    Path localPath(String sha256) throws IOException;

    boolean exists(String sha256);
}
