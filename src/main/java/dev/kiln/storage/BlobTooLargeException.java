package dev.kiln.storage;

import java.io.IOException;

/** The stream went past the size allowed; what was read is discarded. */
public class BlobTooLargeException extends IOException {

    private final long maxBytes;

    public BlobTooLargeException(long maxBytes) {
        super("Content exceeds " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
