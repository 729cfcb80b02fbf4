package dev.kiln.storage;

import dev.kiln.db.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs as objects {@code <prefix><sha256>} in an S3-compatible bucket, so several nodes share them
 * without a shared disk. A put streams into a local file while hashing (memory stays bounded), then
 * uploads it (in parts when large, each part tried again on its own) with its SHA-256 for the
 * server to check; content already there is not uploaded again, only marked stored again so its
 * time is fresh for the sweep. Engines that need a path read through the {@link BlobCache}, which a
 * put fills with the file it just uploaded. Requests that fail for a passing reason are tried again
 * ({@link S3Clients#retries}); what still fails is an {@link IOException} naming the bucket.
 */
public class S3BlobStore implements BlobStore, AutoCloseable {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /**
     * Beside {@code <sha256>}, an empty object written when that content is stored again: its time
     * counts as the blob's (the later of the two). Neither copying the blob onto itself (limited to
     * 5 GiB, a server-side copy of it all, and on some servers not seen by listings) nor uploading
     * it again is needed; it sorts right after its blob in a listing.
     */
    private static final String STORED_AGAIN = ".stored-again";

    private static final byte[] PROBE = "kiln".getBytes(StandardCharsets.US_ASCII);

    private final S3Client s3;
    private final S3Settings settings;
    private final BlobCache cache;
    private final S3Uploads uploads;
    private final HashLocks locks;

    /** The store {@code settings} describe, with its local copies under {@code cacheDir}, arbitrated by no database. */
    public static S3BlobStore of(S3Settings settings, Path cacheDir, MeterRegistry meters) {
        return of(settings, cacheDir, meters, null);
    }

    /** As {@link #of(S3Settings, Path, MeterRegistry)}; nodes sharing the bucket take turns on a hash through {@code db}. */
    public static S3BlobStore of(S3Settings settings, Path cacheDir, MeterRegistry meters, Database db) {
        return new S3BlobStore(
                S3Clients.of(settings, meters),
                settings,
                new BlobCache(cacheDir, settings.cacheSize().toBytes()),
                S3Uploads.PART,
                db);
    }

    /** @param partSize objects larger than this are uploaded in parts of this size (S3's least: 5 MiB) */
    S3BlobStore(S3Client s3, S3Settings settings, BlobCache cache, long partSize) {
        this(s3, settings, cache, partSize, null);
    }

    S3BlobStore(S3Client s3, S3Settings settings, BlobCache cache, long partSize, Database db) {
        this.s3 = s3;
        this.settings = settings;
        this.cache = cache;
        this.locks = new HashLocks(db);
        this.uploads = new S3Uploads(s3, settings.bucket(), partSize);
    }

    @Override
    public StoredBlob put(InputStream in, long maxBytes) throws IOException {
        Path partial = cache.newTempFile();
        try {
            StoredBlob blob = HashingCopy.copy(in, partial, maxBytes);
            return adopt(partial, blob.sha256());
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Left in place when the store fails (a tus upload's part file: nothing received is lost). */
    @Override
    public StoredBlob adopt(Path file, String sha256) throws IOException {
        return adopt(file, sha256, List.of());
    }

    /**
     * As {@link #adopt(Path, String)}; when the content is new and {@code joinFrom} names objects in
     * the bucket that hold it in order (an upload's saved ranges), the server joins them instead of
     * the file being sent again.
     */
    StoredBlob adopt(Path file, String sha256, List<String> joinFrom) throws IOException {
        String key = key(sha256);
        long size = Files.size(file);
        try {
            // Asked first without the locks, so that new content never waits for them across nodes.
            if (head(sha256).isPresent() && locks.acrossNodes(sha256, () -> storedAgain(sha256))) {
                // already stored, its time refreshed: nothing to send
            } else if (!joinFrom.isEmpty()) {
                uploads.join(joinFrom, key);
            } else {
                uploads.upload(
                        file,
                        key,
                        size,
                        Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256)));
            }
        } catch (SdkException e) {
            throw failure("store " + key, e);
        }
        cache.offer(sha256, file);
        return new StoredBlob(sha256, size);
    }

    /** Refreshes the time of content already stored ({@link #STORED_AGAIN}); false when it is not. */
    private boolean storedAgain(String sha256) throws IOException {
        if (head(sha256).isEmpty()) {
            return false;
        }
        s3.putObject(r -> r.bucket(settings.bucket()).key(key(sha256) + STORED_AGAIN), RequestBody.empty());
        return true;
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        String key = key(sha256);
        try {
            return new Body(s3.getObject(r -> {
                r.bucket(settings.bucket()).key(key);
                if (offset > 0) {
                    r.range("bytes=" + offset + "-");
                }
            }));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("blob " + sha256);
        } catch (SdkException e) {
            throw failure("read " + key, e);
        }
    }

    @Override
    public LocalCopy localCopy(String sha256) throws IOException {
        key(sha256);
        return cache.hold(sha256, file -> {
            try (InputStream in = open(sha256)) {
                StoredBlob copied = HashingCopy.copy(in, file, Long.MAX_VALUE);
                if (!copied.sha256().equals(sha256)) {
                    throw new IOException("The content of " + key(sha256) + " in " + describe()
                            + " does not hash to its name (" + copied.sha256() + ")");
                }
            }
        });
    }

    @Override
    public boolean exists(String sha256) {
        try {
            return head(sha256).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<Instant> storedAt(String sha256) throws IOException {
        Optional<Instant> stored = head(sha256).map(h -> seconds(h.lastModified()));
        if (stored.isEmpty()) {
            return stored;
        }
        Optional<Instant> again = head(sha256, key(sha256) + STORED_AGAIN).map(h -> seconds(h.lastModified()));
        return again.filter(at -> at.isAfter(stored.get())).or(() -> stored);
    }

    /** To the second, as HEAD tells it (a listing tells milliseconds), so both agree. */
    private static Instant seconds(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS);
    }

    private Optional<HeadObjectResponse> head(String sha256) throws IOException {
        return head(sha256, key(sha256));
    }

    private Optional<HeadObjectResponse> head(String sha256, String key) throws IOException {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(settings.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("look up " + key, e);
        } catch (SdkException e) {
            throw failure("look up " + key, e);
        }
    }

    @Override
    public List<Entry> storedBefore(Instant before) throws IOException {
        String prefix = settings.prefix();
        Map<String, Instant> stored = new LinkedHashMap<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            // Not into the folders beside the blobs (unfinished uploads, probes).
                            r -> r.bucket(settings.bucket()).prefix(prefix).delimiter("/"))
                    .contents()) {
                String name = object.key().substring(prefix.length());
                Instant at = seconds(object.lastModified());
                if (SHA256.matcher(name).matches()) {
                    stored.put(name, at);
                } else if (name.endsWith(STORED_AGAIN)) {
                    // Listed right after its blob; without one (a deletion cut short) it means nothing.
                    stored.computeIfPresent(
                            name.substring(0, name.length() - STORED_AGAIN.length()),
                            (sha, blobAt) -> at.isAfter(blobAt) ? at : blobAt);
                }
            }
        } catch (SdkException e) {
            throw failure("list " + prefix + "*", e);
        }
        List<Entry> old = new ArrayList<>();
        stored.forEach((sha, at) -> {
            if (at.isBefore(before)) {
                old.add(new Entry(sha, at));
            }
        });
        return old;
    }

    /** The time first, then the blob: cut short between the two, the blob is only older, never the time orphaned. */
    @Override
    public void delete(String sha256) throws IOException {
        String key = key(sha256);
        try {
            s3.deleteObject(r -> r.bucket(settings.bucket()).key(key + STORED_AGAIN));
            s3.deleteObject(r -> r.bucket(settings.bucket()).key(key));
        } catch (SdkException e) {
            throw failure("delete " + key, e);
        }
        cache.forget(sha256);
    }

    @Override
    public boolean deleteIfStoredBefore(String sha256, Instant before) throws IOException {
        return locks.deleteIfStoredBefore(this, sha256, before);
    }

    /**
     * A small object written, read back and deleted, all within {@code kiln.storage.s3.timeout}; and
     * a file in the local cache, through which every put and every local copy goes (a data directory
     * remounted read-only fails every upload while the bucket answers).
     */
    @Override
    public void checkWritable() throws IOException {
        Path local = cache.newTempFile();
        try {
            Files.write(local, PROBE);
        } finally {
            Files.deleteIfExists(local);
        }
        String key = settings.prefix() + "kiln-probe/" + UUID.randomUUID();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        try {
            s3.putObject(
                    r -> r.bucket(settings.bucket())
                            .key(key)
                            .overrideConfiguration(c -> c.apiCallTimeout(left(deadline))),
                    RequestBody.fromBytes(PROBE));
            try {
                byte[] read = s3.getObjectAsBytes(r -> r.bucket(settings.bucket())
                                .key(key)
                                .overrideConfiguration(c -> c.apiCallTimeout(left(deadline))))
                        .asByteArray();
                if (!Arrays.equals(read, PROBE)) {
                    throw new IOException("The probe " + key + " read back from " + describe() + " differs");
                }
            } finally {
                s3.deleteObject(r -> r.bucket(settings.bucket())
                        .key(key)
                        .overrideConfiguration(c -> c.apiCallTimeout(left(deadline))));
            }
        } catch (SdkException e) {
            throw failure("write, read and delete the probe " + key, e);
        }
    }

    private static java.time.Duration left(long deadline) {
        return java.time.Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    @Override
    public String describe() {
        return "S3 bucket " + settings.bucket()
                + (settings.endpoint() != null ? " at " + settings.endpoint() : " in " + settings.region())
                + (settings.prefix().isEmpty() ? "" : " under " + settings.prefix());
    }

    public S3Settings settings() {
        return settings;
    }

    /** Unfinished uploads' ranges, in the same bucket under {@code <prefix>uploads/}. */
    UploadParts uploadParts() {
        return new S3UploadParts(s3, settings, this);
    }

    @Override
    public void close() {
        s3.close();
    }

    private String key(String sha256) {
        // Only ever a hash: nothing a client sends becomes part of a key.
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return settings.prefix() + sha256;
    }

    IOException failure(String what, SdkException e) {
        return new BlobStoreUnavailableException(
                "The object store (" + describe() + ") could not " + what + ": " + e.getMessage(), e);
    }

    /** An object's body; closed before its end, the connection is dropped rather than read to the end. */
    private static final class Body extends FilterInputStream {

        private final ResponseInputStream<GetObjectResponse> response;
        private boolean ended;

        Body(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b == -1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            ended |= n == -1;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (!ended) {
                response.abort();
            }
            super.close();
        }
    }
}
