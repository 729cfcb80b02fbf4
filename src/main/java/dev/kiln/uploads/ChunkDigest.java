package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/** The tus checksum extension: a chunk's digest, in one of the algorithms Kiln offers. */
final class ChunkDigest {

    /** tus algorithm names → Java's; tus requires sha1. */
    private static final Map<String, String> ALGORITHMS = Map.of("sha1", "SHA-1", "sha256", "SHA-256", "md5", "MD5");

    static final List<String> NAMES = List.of("sha1", "sha256", "md5");

    private final MessageDigest digest;

    private ChunkDigest(MessageDigest digest) {
        this.digest = digest;
    }

    /** Checked when the header is read, before anything else about the request. */
    static void requireOffered(String algorithm) {
        if (!ALGORITHMS.containsKey(algorithm)) {
            throw ApiException.invalidField(
                    "Upload-Checksum",
                    "Checksum algorithm '" + algorithm + "' is not offered; use one of " + NAMES + ".");
        }
    }

    /** @param algorithm one {@link #requireOffered} let through */
    static ChunkDigest of(String algorithm) {
        try {
            return new ChunkDigest(MessageDigest.getInstance(ALGORITHMS.get(algorithm)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void update(byte[] bytes, int length) {
        digest.update(bytes, 0, length);
    }

    boolean matches(byte[] expected) {
        return MessageDigest.isEqual(digest.digest(), expected);
    }
}
