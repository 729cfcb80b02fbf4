package dev.kiln.storage;

import java.io.IOException;

/**
 * The blob store could not be reached or refused the request even after its retries (a server
 * down, throttling that did not pass, wrong credentials, a missing bucket): a request answers 503
 * {@code storage_unavailable}, a job's attempt fails with {@code io_error} and is tried again.
 */
public class BlobStoreUnavailableException extends IOException {

    public BlobStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
