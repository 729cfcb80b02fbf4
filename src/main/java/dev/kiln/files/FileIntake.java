package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.storage.BlobStore;
import dev.kiln.storage.BlobTooLargeException;
import dev.kiln.storage.StoredBlob;
import dev.kiln.support.Ids;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The one way content becomes a Kiln file: streamed into the blob store (hashed on the way,
 * never held in memory), its type sniffed from the stored bytes, then recorded for its owner.
 */
@Component
public class FileIntake {

    private final BlobStore blobs;
    private final BodyCopies copies;
    private final MediaTypeSniffer sniffer;
    private final FileCatalog catalog;
    private final FileSettings settings;
    private final StorageQuota quota;
    private final ProcessorCatalogue processors;
    private final Clock clock;

    FileIntake(
            BlobStore blobs,
            BodyCopies copies,
            MediaTypeSniffer sniffer,
            FileCatalog catalog,
            FileSettings settings,
            StorageQuota quota,
            ProcessorCatalogue processors,
            Clock clock) {
        this.blobs = blobs;
        this.copies = copies;
        this.sniffer = sniffer;
        this.catalog = catalog;
        this.settings = settings;
        this.quota = quota;
        this.processors = processors;
        this.clock = clock;
    }

    public long maxSize() {
        return settings.maxSize().toBytes();
    }

    /**
     * Refuses before reading anything when the declared length is too large or would pass the
     * owner's quota ({@code contentLength} below 0: not declared).
     */
    public void checkDeclaredLength(String ownerId, long contentLength) {
        if (contentLength > maxSize()) {
            throw tooLarge();
        }
        quota.check(ownerId, Math.max(0, contentLength));
    }

    /**
     * @param clientStream the bytes as they arrive from the client
     * @param name         the client's file name, for display only
     */
    public FileInfo accept(String ownerId, InputStream clientStream, String name) {
        StoredBlob blob = storeNonEmpty(clientStream);
        quota.check(ownerId, blob.size());
        return register(Ids.next("file"), ownerId, blob, name, null);
    }

    /**
     * As {@link #accept(String, InputStream, String)}, for content {@code processor} is to take, kept
     * once per owner: when they have a file of this content already, that file is the answer (its
     * name stays, no quota is taken again), so a client sending the same recording again and again
     * fills neither their library nor their quota.
     */
    public FileInfo acceptOnce(String ownerId, InputStream clientStream, String name, String processor) {
        StoredBlob blob = storeNonEmpty(clientStream);
        Optional<FileInfo> existing = catalog.findByContent(ownerId, blob.sha256());
        if (existing.isPresent()) {
            checkAccepted(existing.get().mediaType(), processor);
            return existing.get();
        }
        quota.check(ownerId, blob.size());
        return register(Ids.next("file"), ownerId, blob, name, processor);
    }

    private StoredBlob storeNonEmpty(InputStream clientStream) {
        StoredBlob blob = store(clientStream, maxSize());
        if (blob.size() == 0) {
            throw new ApiException(ErrorCode.EMPTY_FILE, "The file is empty; send its content as the request body.");
        }
        return blob;
    }

    /**
     * Streams a request body into the blob store (hashed on the way, never held in memory).
     *
     * @throws ApiException {@code file_too_large} past {@code maxBytes} (nothing kept), {@code
     *     upload_interrupted} when the client's stream breaks off
     */
    public StoredBlob store(InputStream clientStream, long maxBytes) {
        try {
            return copies.run(() -> blobs.put(new ClientStream(clientStream), maxBytes));
        } catch (BlobTooLargeException e) {
            throw tooLarge(maxBytes);
        } catch (ClientStream.ReadFailure e) {
            throw new ApiException(
                    ErrorCode.UPLOAD_INTERRUPTED,
                    "The upload stopped before the end of the body; send it again (or use the resumable upload API).");
        } catch (IOException e) {
            throw new IllegalStateException("Could not store an upload", e);
        }
    }

    /**
     * Records stored content as {@code fileId} (again, harmlessly, if it already is): its type
     * sniffed from the bytes, which a processor must accept — {@code processor} if one is named,
     * else any. Content nobody can process is refused (415); its blob is left to the sweeper.
     */
    public FileInfo register(String fileId, String ownerId, StoredBlob blob, String name, String processor) {
        String mediaType;
        try {
            try (BlobStore.LocalCopy copy = blobs.localCopy(blob.sha256())) {
                mediaType = sniffer.sniff(copy.path());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not read back a stored blob", e);
        }
        checkAccepted(mediaType, processor);
        return catalog.insertIfAbsent(new FileInfo(
                fileId,
                ownerId,
                blob.size(),
                blob.sha256(),
                mediaType,
                FileNames.sanitize(name),
                clock.instant().truncatedTo(ChronoUnit.MILLIS)));
    }

    /** Refuses content of a type {@code processor} (null: any processor) does not take. */
    private void checkAccepted(String mediaType, String processor) {
        List<ProcessorRegistry.Registered> candidates = processor == null
                ? List.copyOf(processors.all())
                : processors.find(processor).stream().toList();
        if (candidates.stream().noneMatch(p -> p.processor().accepts(mediaType))) {
            List<String> accepted = candidates.stream()
                    .flatMap(p -> p.processor().acceptedMediaTypes().stream())
                    .distinct()
                    .sorted()
                    .toList();
            throw new ApiException(
                            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                            (processor == null
                                            ? "No processor accepts "
                                            : "Processor '" + processor + "' does not accept ")
                                    + mediaType + " files.")
                    .with("mediaType", mediaType)
                    .with("accepted", accepted);
        }
    }

    private ApiException tooLarge() {
        return tooLarge(maxSize());
    }

    /** {@code file_too_large}, naming the limit. */
    public static ApiException tooLarge(long maxBytes) {
        return new ApiException(ErrorCode.FILE_TOO_LARGE, "Files may be at most " + maxBytes + " bytes.")
                .with("maxSize", maxBytes);
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
