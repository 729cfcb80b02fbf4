package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import dev.kiln.api.ClientJson;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.files.FileInfo;
import dev.kiln.files.FileIntake;
import dev.kiln.files.StorageQuota;
import dev.kiln.jobs.JobRequests;
import dev.kiln.storage.BlobStore;
import dev.kiln.storage.StoredBlob;
import dev.kiln.support.Ids;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resumable uploads: created with their length (quota and size checked before any byte), filled
 * by one writer at a time from exactly the stored offset, made durable as they go, and turned into
 * a file — and, if asked, a job — exactly once when the last byte arrives.
 */
@Component
class Uploads {

    private static final Logger log = LoggerFactory.getLogger(Uploads.class);
    private static final int BUFFER = 64 * 1024;
    private static final int YIELD_EVERY = 1024 * 1024;
    /** A writer shows it is alive (and makes its bytes durable) at least this often. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final UploadStore store;
    private final PartFiles parts;
    private final BlobStore blobs;
    private final FileIntake intake;
    private final StorageQuota quota;
    private final JobRequests jobRequests;
    private final UploadSettings settings;
    private final JsonMapper json;
    private final ClientJson clientJson;
    private final Clock clock;
    private final Counter bytesReceived;
    /** PATCHes writing now (each holds its upload's lock): what the drain waits for, and {@code kiln.uploads.active}. */
    private final Set<Thread> writing = ConcurrentHashMap.newKeySet();
    /** The node is draining: writes stop at a durable offset, new ones are refused. */
    private volatile boolean draining;

    Uploads(UploadStore store, PartFiles parts, BlobStore blobs, FileIntake intake, StorageQuota quota,
            JobRequests jobRequests, UploadSettings settings, JsonMapper json,
            ClientJson clientJson, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.parts = parts;
        this.blobs = blobs;
        this.intake = intake;
        this.quota = quota;
        this.jobRequests = jobRequests;
        this.settings = settings;
        this.json = json;
        this.clientJson = clientJson;
        this.clock = clock;
        Gauge.builder("kiln.uploads.active", writing, Set::size)
                .description("Upload requests receiving bytes on this node now").register(meters);
        this.bytesReceived = Counter.builder("kiln.uploads.received").baseUnit("bytes")
                .description("Upload bytes read from clients (including chunks later refused)").register(meters);
    }

    long maxSize() {
        return intake.maxSize();
    }

    /** Creates an upload of {@code length} bytes; everything is checked before any byte is taken. */
    Upload create(User user, long length, String metadataHeader) {
        if (length > intake.maxSize()) {
            throw new ApiException(ErrorCode.FILE_TOO_LARGE, "Files may be at most " + intake.maxSize() + " bytes.")
                    .with("maxSize", intake.maxSize());
        }
        if (length == 0) {
            throw new ApiException(ErrorCode.EMPTY_FILE, "An upload needs at least one byte.");
        }
        Map<String, String> metadata = TusMetadata.parse(metadataHeader);
        String jobRequest = jobRequest(user, metadata);
        quota.check(user.id(), length);
        if (jobRequest != null) {
            // The job's submission counts now, so the last byte is never refused for a limit.
            jobRequests.admitUpcoming(user);
        }
        Instant now = clock.instant();
        Upload upload = new Upload(Ids.next("upl"), user.id(), length, 0, metadataHeader, metadata.get("filename"),
                jobRequest, now, now.plus(settings.expireAfter()), null, null, null, null);
        store.create(upload);
        return upload;
    }

    /** The one-step flow: metadata naming a processor starts that job when the upload completes. */
    private String jobRequest(User user, Map<String, String> metadata) {
        String processor = metadata.get("processor");
        if (processor == null) {
            if (metadata.containsKey("params") || metadata.containsKey("priority")) {
                throw ApiException.invalidField("Upload-Metadata", "'params' and 'priority' need a 'processor'.");
            }
            return null;
        }
        ObjectNode request = json.createObjectNode().put("type", processor);
        try {
            if (metadata.containsKey("params")) {
                request.set("params", clientJson.read(metadata.get("params")));
            }
            if (metadata.containsKey("priority")) {
                request.set("priority", clientJson.read(metadata.get("priority")));
            }
        } catch (JacksonException e) {
            throw ApiException.invalidField("Upload-Metadata", "'params' and 'priority' must be JSON.");
        }
        jobRequests.checkWithoutInput(user, request, "Upload-Metadata");
        return json.writeValueAsString(request);
    }

    /** The upload if it exists and {@code user} may see it (expired ones answer 410). */
    Upload find(User user, String id) {
        Upload upload = (Ids.looksLike("upl", id) ? store.find(id) : Optional.<Upload>empty())
                .filter(u -> user.canSee(u.ownerId()))
                .orElseThrow(() -> new ApiException(ErrorCode.UPLOAD_NOT_FOUND, "No upload " + id + "."));
        if (!upload.complete() && upload.expired(clock.instant())) {
            throw new ApiException(ErrorCode.UPLOAD_EXPIRED, "Upload " + id + " expired at " + upload.expiresAt()
                    + "; start a new one.");
        }
        return upload;
    }

    /** A chunk's expected checksum ({@code Upload-Checksum}), or none. */
    record Checksum(String algorithm, byte[] expected) {
    }

    /** What a write left behind. */
    record Written(Upload upload, long offset) {
    }

    /**
     * Appends {@code body} at {@code offset}, which must be where the upload stands. The bytes are
     * durable (and resumable) every few seconds or megabytes; a chunk that fails its checksum, or
     * carries more than the upload has left, is taken back whole. The last byte completes it.
     */
    Written append(User user, Upload upload, long offset, long declaredLength, Checksum checksum, InputStream body) {
        if (upload.complete()) {
            if (offset == upload.length() && declaredLength <= 0) {
                return new Written(upload, upload.length()); // a retried completion: same answer again
            }
            throw new ApiException(ErrorCode.OFFSET_MISMATCH, "Upload " + upload.id() + " is complete.")
                    .with("offset", upload.length());
        }
        if (offset != upload.offset()) {
            throw new ApiException(ErrorCode.OFFSET_MISMATCH, "The upload is at offset " + upload.offset()
                    + ", not " + offset + "; ask with HEAD and continue from there.").with("offset", upload.offset());
        }
        if (declaredLength > upload.length() - offset) {
            throw overflow(upload, offset);
        }
        if (draining) {
            throw shuttingDown(offset);
        }
        String lock = Ids.randomToken(20);
        Instant now = clock.instant();
        if (!store.lock(upload.id(), lock, now, now.minus(settings.lockStaleAfter()))) {
            throw new ApiException(ErrorCode.UPLOAD_LOCKED, "Another request is writing to this upload; try again shortly.")
                    .retryAfter(settings.lockStaleAfter());
        }
        writing.add(Thread.currentThread());
        try {
            if (offset == upload.length()) {
                // Every byte arrived before, but completing did not finish (a crash): finish it now.
                return new Written(complete(user, upload), offset);
            }
            long reached = write(upload, lock, offset, checksum, body);
            if (reached == upload.length()) {
                return new Written(complete(user, upload), reached);
            }
            return new Written(upload, reached);
        } finally {
            store.unlock(upload.id(), lock);
            writing.remove(Thread.currentThread());
        }
    }

    /**
     * The drain (step 3 of {@code DrainOrder}): every write in progress stops at a durable offset
     * (forced to disk and recorded) and lets go of its upload, so the client resumes from HEAD on
     * another node at once; new writes are refused (503) until {@link #resumeWrites()}.
     */
    void stopWrites(Duration patience) {
        draining = true;
        long deadline = System.nanoTime() + patience.toNanos();
        while (!writing.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!writing.isEmpty()) {
            log.info("Draining: {} upload write(s) did not stop in {} (a stalled client?); their locks go stale", writing.size(), patience);
        }
    }

    void resumeWrites() {
        draining = false;
    }

    private long write(Upload upload, String lock, long offset, Checksum checksum, InputStream body) {
        ChunkDigest chunk = checksum == null ? null : ChunkDigest.of(checksum.algorithm());
        try (PartFiles.Writer writer = parts.open(upload.id(), offset)) {
            byte[] buffer = new byte[BUFFER];
            long left = upload.length() - offset;
            long durable = offset;
            long unsynced = 0;
            long sinceYield = 0;
            long heartbeatAt = System.nanoTime();
            boolean clientGone = false;
            boolean stopped = false;
            while (true) {
                int n;
                try {
                    n = body.read(buffer, 0, (int) Math.min(buffer.length, left + 1));
                } catch (IOException e) {
                    clientGone = true; // keep what arrived: the client resumes from it
                    break;
                }
                if (n < 0) {
                    break;
                }
                bytesReceived.increment(n);
                if (n > left) {
                    takeBack(upload, lock, writer);
                    throw overflow(upload, offset);
                }
                if (!writer.write(buffer, n)) {
                    throw lockLost();
                }
                if (chunk != null) {
                    chunk.update(buffer, n);
                }
                left -= n;
                unsynced += n;
                sinceYield += n;
                if (sinceYield >= YIELD_EVERY) {
                    // A fast client's body is always ready, so this thread might never park: let the
                    // other virtual threads on its carrier run now and then.
                    Thread.yield();
                    sinceYield = 0;
                }
                if (left > 0 && (unsynced >= settings.checkpointEvery().toBytes() || System.nanoTime() - heartbeatAt > HEARTBEAT.toNanos())) {
                    // (The last bytes are checkpointed after the loop, once the hash is recorded.)
                    // Without a checksum the bytes are good as they come: make them resumable. With one,
                    // nothing counts before the chunk is verified; just show that this writer is alive.
                    if (chunk == null) {
                        writer.force();
                        durable = writer.position();
                        unsynced = 0;
                    }
                    checkpoint(upload, lock, durable);
                    heartbeatAt = System.nanoTime();
                }
                if (draining && left > 0) {
                    stopped = true; // the node is going: keep what arrived, the client goes on elsewhere
                    break;
                }
            }
            if (chunk != null && (clientGone || stopped || !chunk.matches(checksum.expected()))) {
                takeBack(upload, lock, writer);
                if (stopped) {
                    throw shuttingDown(offset);
                }
                if (clientGone) {
                    throw interrupted();
                }
                throw new ApiException(ErrorCode.CHECKSUM_MISMATCH, "The chunk does not match its Upload-Checksum; "
                        + "nothing of it was kept. Send it again from offset " + offset + ".");
            }
            writer.force();
            if (writer.position() == upload.length()) {
                // Before the offset says "all here": a crash between the two writes must not leave a
                // whole upload without the hash its completion needs.
                store.prepareCompletion(upload.id(), writer.sha256(), Ids.next("file"));
            }
            checkpoint(upload, lock, writer.position());
            if (clientGone) {
                throw interrupted();
            }
            if (stopped) {
                throw shuttingDown(writer.position());
            }
            return writer.position();
        } catch (IOException e) {
            throw new UncheckedIOException("Writing upload " + upload.id() + " failed", e);
        }
    }

    /**
     * A refused chunk leaves the upload as it found it: the bytes are taken back, and so is the
     * expiry the write's heartbeats pushed out (a stream of bad chunks must not keep an upload alive).
     */
    private void takeBack(Upload upload, String lock, PartFiles.Writer writer) throws IOException {
        writer.rollback();
        if (!store.checkpoint(upload.id(), lock, writer.position(), clock.instant(), upload.expiresAt())) {
            throw lockLost();
        }
    }

    private void checkpoint(Upload upload, String lock, long offset) {
        Instant now = clock.instant();
        if (!store.checkpoint(upload.id(), lock, offset, now, now.plus(settings.expireAfter()))) {
            throw lockLost();
        }
    }

    /**
     * Turns a fully received upload into its file (content-addressed: the part file is renamed
     * into the blob store, or dropped if that content is already there) and, in the one-step flow,
     * its job. Every step can be repeated: a retried completion gives the same file and job.
     */
    private Upload complete(User user, Upload received) {
        Upload upload = store.find(received.id()).orElseThrow();
        StoredBlob blob;
        try {
            blob = blobs.exists(upload.sha256()) && !java.nio.file.Files.exists(parts.path(upload.id()))
                    ? new StoredBlob(upload.sha256(), upload.length())
                    : blobs.adopt(parts.path(upload.id()), upload.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store upload " + upload.id(), e);
        }
        parts.completed(upload.id());
        Map<String, String> metadata = TusMetadata.parse(upload.metadata());
        FileInfo file;
        try {
            file = intake.register(upload.fileId(), upload.ownerId(), blob, upload.filename(), metadata.get("processor"));
        } catch (ApiException refused) {
            // Nobody can process this content: the upload is over (its blob goes to the sweeper).
            store.delete(upload.id());
            throw refused;
        }
        String jobId = null;
        if (upload.jobRequest() != null) {
            ObjectNode request = (ObjectNode) json.readTree(upload.jobRequest());
            request.set("input", json.createObjectNode().put("fileId", file.id()));
            jobId = jobRequests.submitAdmitted(user, request, "upload:" + upload.id()).job().id();
        }
        Instant completedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS); // as stored
        store.complete(upload.id(), jobId, completedAt);
        log.info("Upload {} complete: file {} ({} bytes){}", upload.id(), file.id(), file.size(),
                jobId == null ? "" : ", job " + jobId);
        // What the row now holds, without reading it a third time in this request.
        return new Upload(upload.id(), upload.ownerId(), upload.length(), upload.offset(), upload.metadata(),
                upload.filename(), upload.jobRequest(), upload.createdAt(), upload.expiresAt(), upload.sha256(),
                upload.fileId(), jobId, completedAt);
    }

    /** Ends an upload: unfinished, its bytes are deleted; finished, only the upload record (the file stays). */
    void terminate(Upload upload) {
        try {
            parts.delete(upload.id());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.delete(upload.id());
    }

    private static ApiException overflow(Upload upload, long offset) {
        return new ApiException(ErrorCode.UPLOAD_OVERFLOW, "The upload has " + (upload.length() - offset)
                + " bytes left to receive; this request carries more. Nothing of it was kept.");
    }

    private static ApiException lockLost() {
        return new ApiException(ErrorCode.UPLOAD_LOCKED, "Another request took over this upload.");
    }

    private static ApiException shuttingDown(long offset) {
        return new ApiException(ErrorCode.SHUTTING_DOWN, "This node is shutting down; the upload stands at offset "
                + offset + ": resume from HEAD's offset (on another node).").with("offset", offset)
                .retryAfter(Duration.ofSeconds(1));
    }

    private static ApiException interrupted() {
        return new ApiException(ErrorCode.UPLOAD_INTERRUPTED, "The request ended before its body did; resume from HEAD's offset.");
    }
}
