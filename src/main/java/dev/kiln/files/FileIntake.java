package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.storage.BlobStore;
import dev.kiln.storage.BlobTooLargeException;
import dev.kiln.storage.StoredBlob;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import org.springframework.stereotype.Component;

/**
 * The one way content becomes a Kiln file: streamed into the blob store (hashed on the way,
 * never held in memory), its type sniffed from the stored bytes, then recorded for its owner.
 */
@Component
public class FileIntake {

    private final BlobStore blobs;
    private final MediaTypeSniffer sniffer;
    private final FileCatalog catalog;
    private final FileSettings settings;
    private final Clock clock;

    FileIntake(BlobStore blobs, MediaTypeSniffer sniffer, FileCatalog catalog, FileSettings settings, Clock clock) {
        this.blobs = blobs;
        this.sniffer = sniffer;
        this.catalog = catalog;
        this.settings = settings;
        this.clock = clock;
    }

    public long maxSize() {
        return settings.maxSize().toBytes();
    }

    /** Refuses before reading anything when the declared length is already too large. */
    public void checkDeclaredLength(long contentLength) {
        if (contentLength > maxSize()) {
            throw tooLarge();
        }
    }

    /**
     * @param clientStream the bytes as they arrive from the client
     * @param name         the client's file name, for display only
     */
    public FileInfo accept(String ownerId, InputStream clientStream, String name) {
        StoredBlob blob;
        try {
            blob = blobs.put(new ClientStream(clientStream), maxSize());
        } catch (BlobTooLargeException e) {
            throw tooLarge();
        } catch (ClientStream.ReadFailure e) {
            throw new ApiException(ErrorCode.UPLOAD_INTERRUPTED,
                    "The upload stopped before the end of the body; send it again (or use the resumable upload API).");
        } catch (IOException e) {
            throw new IllegalStateException("Could not store an upload", e);
        }
        if (blob.size() == 0) {
            throw new ApiException(ErrorCode.EMPTY_FILE, "The file is empty; send its content as the request body.");
        }
        String mediaType;
        try {
            mediaType = sniffer.sniff(blobs.localPath(blob.sha256()));
        } catch (IOException e) {
            throw new IllegalStateException("Could not read back a stored blob", e);
        }
        return catalog.insert(ownerId, blob.sha256(), blob.size(), mediaType, FileNames.sanitize(name),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
    }

    private ApiException tooLarge() {
        return new ApiException(ErrorCode.FILE_TOO_LARGE, "Files may be at most " + maxSize() + " bytes.")
                .with("maxSize", maxSize());
    }

    /** Marks failures reading the client's stream, as opposed to failures writing our disk. */
    private static final class ClientStream extends FilterInputStream {

        static final class ReadFailure extends IOException {
            ReadFailure(IOException cause) {
                super(cause);
            }
        }

        ClientStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new ReadFailure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new ReadFailure(e);
            }
        }
    }
}
