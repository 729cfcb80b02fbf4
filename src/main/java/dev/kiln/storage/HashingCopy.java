package dev.kiln.storage;

import dev.kiln.support.CopyPacing;
import dev.kiln.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Copies a stream into a local file, hashing the bytes on the way; a buffer's worth in memory at most. */
final class HashingCopy {

    private static final int BUFFER = 64 * 1024;

    private HashingCopy() {}

    /**
     * The SHA-256 and size of what was copied into {@code file}.
     *
     * @throws BlobTooLargeException once more than {@code maxBytes} arrived (the file then holds a part)
     */
    static StoredBlob copy(InputStream in, Path file, long maxBytes) throws IOException {
        MessageDigest sha256 = Digests.sha256();
        long size = 0;
        byte[] buffer = new byte[BUFFER];
        CopyPacing pacing = new CopyPacing();
        try (OutputStream out = Files.newOutputStream(file)) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                size += n;
                if (size > maxBytes) {
                    throw new BlobTooLargeException(maxBytes);
                }
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
                pacing.copied(n);
            }
        }
        return new StoredBlob(HexFormat.of().formatHex(sha256.digest()), size);
    }
}
