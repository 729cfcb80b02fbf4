package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.files.BodyCopies;
import dev.kiln.storage.UploadParts;
import dev.kiln.support.CopyPacing;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The append path of an upload: one writer at a time (the upload's lock, which a writer showing no
 * progress loses), from exactly the stored offset, through a 64 KiB buffer into the part file (its
 * SHA-256 kept on the way), made durable (and, on object storage, saved) every few seconds or megabytes, and stopped at a durable
 * offset when the node drains.
 */
@Component
class UploadWriter {

    private static final Logger log = LoggerFactory.getLogger(UploadWriter.class);
    private static final int BUFFER = 64 * 1024;
    /** A writer shows it is alive (and makes its bytes durable) at least this often. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final UploadStore store;
    private final PartFiles parts;
    private final BodyCopies copies;
    private final UploadSettings settings;
    private final Clock clock;
    private final Counter bytesReceived;
    /** PATCHes writing now (each holds its upload's lock): what the drain waits for, and {@code kiln.uploads.active}. */
    private final Set<Thread> writing = ConcurrentHashMap.newKeySet();
    /** The node is draining: writes stop at a durable offset, new ones are refused. */
    private volatile boolean draining;

    UploadWriter(
            UploadStore store,
            PartFiles parts,
            BodyCopies copies,
            UploadSettings settings,
            Clock clock,
            MeterRegistry meters) {
        this.store = store;
        this.parts = parts;
        this.copies = copies;
        this.settings = settings;
        this.clock = clock;
        Gauge.builder("kiln.uploads.active", writing, Set::size)
                .description("Upload requests receiving bytes on this node now")
                .register(meters);
        this.bytesReceived = Counter.builder("kiln.uploads.received")
                .baseUnit("bytes")
                .description("Upload bytes read from clients (including chunks later refused)")
                .register(meters);
    }

    /** A chunk's expected checksum ({@code Upload-Checksum}), or none. */
    record Checksum(String algorithm, byte[] expected) {}

    /** What a write left behind. */
    record Written(Upload upload, long offset) {}

    /**
     * Appends {@code body} to an unfinished upload at {@code offset}, which must be where it stands.
     * Once every byte is in, {@code complete} turns the upload into its file while the lock is held.
     */
    Written append(
            Upload upload,
            long offset,
            long declaredLength,
            Checksum checksum,
            InputStream body,
            UnaryOperator<Upload> complete) {
        if (offset != upload.offset()) {
            throw offsetMismatch(upload.offset(), offset);
        }
        if (declaredLength > upload.length() - offset) {
            throw overflow(upload, offset);
        }
        if (draining) {
            throw shuttingDown(offset);
        }
        String lock = Ids.randomToken(20);
        Instant now = clock.instant();
        if (!store.lock(upload.id(), lock, offset, now, now.minus(settings.lockStaleAfter()))) {
            throw notLocked(upload.id(), offset);
        }
        writing.add(Thread.currentThread());
        try {
            if (offset == upload.length()) {
                // Every byte arrived before, but completing did not finish (it failed, or its node
                // died): finish it now (an empty PATCH at the end, or a HEAD).
                return new Written(complete.apply(upload), offset);
            }
            long reached = copies.run(new Copy(upload, lock, offset, checksum, body)::run);
            return new Written(reached == upload.length() ? complete.apply(upload) : upload, reached);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof UploadParts.LostBytes lost) {
                throw startOver(upload, lock, lost);
            }
            throw e;
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
            log.info(
                    "Draining: {} upload write(s) did not stop in {} (a stalled client?); their locks go stale",
                    writing.size(),
                    patience);
        }
    }

    void resumeWrites() {
        draining = false;
    }

    /**
     * One request's bytes on their way into the part file. They are durable (and resumable) every
     * few seconds or megabytes; a chunk that fails its checksum, or carries more than the upload has
     * left, is taken back whole.
     */
    private final class Copy {

        private final Upload upload;
        private final String lock;
        private final long offset;
        private final Checksum checksum;
        private final ChunkDigest chunk;
        private final InputStream body;
        private final byte[] buffer = new byte[BUFFER];
        private long left;
        private long durable;
        private long sinceCheckpoint;
        private final CopyPacing pacing = new CopyPacing();
        private long heartbeatAt = System.nanoTime();
        private boolean clientGone;
        private boolean stopped;

        Copy(Upload upload, String lock, long offset, Checksum checksum, InputStream body) {
            this.upload = upload;
            this.lock = lock;
            this.offset = offset;
            this.checksum = checksum;
            this.chunk = checksum == null ? null : ChunkDigest.of(checksum.algorithm());
            this.body = body;
            this.left = upload.length() - offset;
            this.durable = offset;
        }

        /** @return the durable offset reached */
        long run() {
            try (PartFiles.Writer writer = parts.open(upload.id(), offset)) {
                copy(writer);
                return finish(writer);
            } catch (IOException e) {
                throw new UncheckedIOException("Writing upload " + upload.id() + " failed", e);
            }
        }

        /** Until the body ends, the client goes, or the node drains. */
        private void copy(PartFiles.Writer writer) throws IOException {
            int n;
            while ((n = read()) >= 0) {
                take(writer, n);
                if (left > 0 && checkpointDue()) {
                    // (The last bytes are checkpointed by finish, once the hash is recorded.)
                    // Without a checksum the bytes are good as they come: make them resumable. With one,
                    // nothing counts before the chunk is verified; just show that this writer is alive.
                    if (chunk == null) {
                        writer.makeDurable();
                        durable = writer.position();
                    }
                    checkpoint(writer, durable, null);
                    sinceCheckpoint = 0;
                    heartbeatAt = System.nanoTime();
                }
                if (draining && left > 0) {
                    stopped = true; // the node is going: keep what arrived, the client goes on elsewhere
                    return;
                }
            }
        }

        /** The next bytes, or -1 at the body's end or when the client is gone (what arrived is kept: it resumes from it). */
        private int read() {
            try {
                return body.read(buffer, 0, (int) Math.min(buffer.length, left + 1));
            } catch (IOException e) {
                clientGone = true;
                return -1;
            }
        }

        private void take(PartFiles.Writer writer, int n) throws IOException {
            bytesReceived.increment(n);
            if (n > left) {
                takeBack(writer);
                throw overflow(upload, offset);
            }
            if (!writer.write(buffer, n)) {
                throw lockLost();
            }
            if (chunk != null) {
                chunk.update(buffer, n);
            }
            left -= n;
            sinceCheckpoint += n;
            pacing.copied(n);
        }

        private boolean checkpointDue() {
            return sinceCheckpoint >= settings.checkpointEvery().toBytes()
                    || System.nanoTime() - heartbeatAt > HEARTBEAT.toNanos();
        }

        /** Verifies the chunk, makes the bytes durable and records where they end. */
        private long finish(PartFiles.Writer writer) throws IOException {
            if (chunk != null && (clientGone || stopped || !chunk.matches(checksum.expected()))) {
                takeBack(writer);
                if (stopped) {
                    throw shuttingDown(offset);
                }
                if (clientGone) {
                    throw interrupted();
                }
                throw new ApiException(
                        ErrorCode.CHECKSUM_MISMATCH,
                        "The chunk does not match its Upload-Checksum; "
                                + "nothing of it was kept. Send it again from offset " + offset + ".");
            }
            writer.makeDurable();
            checkpoint(
                    writer,
                    writer.position(),
                    writer.position() == upload.length()
                            ? new UploadStore.Completion(writer.sha256(), Ids.next("file"))
                            : null);
            if (clientGone) {
                throw interrupted();
            }
            if (stopped) {
                throw shuttingDown(writer.position());
            }
            return writer.position();
        }

        /**
         * A refused chunk leaves the upload as it found it: the bytes are taken back, and so is the
         * expiry the write's heartbeats pushed out (a stream of bad chunks must not keep an upload alive).
         */
        private void takeBack(PartFiles.Writer writer) throws IOException {
            writer.rollback();
            if (!store.checkpoint(upload.id(), lock, writer.position(), clock.instant(), upload.expiresAt())) {
                throw lockLost();
            }
            writer.recorded(writer.position());
        }

        private void checkpoint(PartFiles.Writer writer, long reached, UploadStore.Completion completion) {
            Instant now = clock.instant();
            if (!store.checkpoint(upload.id(), lock, reached, completion, now, now.plus(settings.expireAfter()))) {
                throw lockLost();
            }
            writer.recorded(reached);
        }
    }

    /**
     * Bytes recorded as received are gone or damaged: the upload starts again from 0, instead of
     * failing the same way on every retry. Its bytes go before its offset, so a crash in between
     * leaves an upload that is found lost again, never one resumed over stale bytes.
     */
    private ApiException startOver(Upload upload, String lock, UploadParts.LostBytes lost) {
        // Hashing or restoring the whole upload shows no progress: a retry may have taken the lock
        // meanwhile, and its bytes are not this request's to discard.
        if (!store.heartbeat(upload.id(), lock, clock.instant())) {
            return lockLost();
        }
        log.warn("Upload {} starts over from offset 0: {}", upload.id(), lost.getMessage());
        try {
            parts.delete(upload.id());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not discard the lost bytes of upload " + upload.id(), e);
        }
        if (!store.startOver(upload.id(), lock)) {
            return lockLost();
        }
        return new ApiException(
                        ErrorCode.UPLOAD_LOST,
                        "The bytes stored for this upload were lost or damaged; they were discarded. "
                                + "Send the upload again from offset 0.")
                .with("offset", 0);
    }

    /**
     * Why the lock was refused: the upload moved on since {@code upload} was read (another request
     * wrote meanwhile), or another request holds it.
     */
    private ApiException notLocked(String id, long offset) {
        Optional<Long> moved = store.find(id).map(Upload::offset).filter(stored -> stored != offset);
        if (moved.isPresent()) {
            return offsetMismatch(moved.get(), offset);
        }
        return new ApiException(
                        ErrorCode.UPLOAD_LOCKED, "Another request is writing to this upload; try again shortly.")
                .retryAfter(settings.lockStaleAfter());
    }

    private static ApiException offsetMismatch(long stored, long offset) {
        return new ApiException(
                        ErrorCode.OFFSET_MISMATCH,
                        "The upload is at offset " + stored + ", not " + offset
                                + "; ask with HEAD and continue from there.")
                .with("offset", stored);
    }

    private static ApiException overflow(Upload upload, long offset) {
        return new ApiException(
                ErrorCode.UPLOAD_OVERFLOW,
                "The upload has " + (upload.length() - offset)
                        + " bytes left to receive; this request carries more. Nothing of it was kept.");
    }

    private static ApiException lockLost() {
        return new ApiException(ErrorCode.UPLOAD_LOCKED, "Another request took over this upload.");
    }

    private static ApiException shuttingDown(long offset) {
        return new ApiException(
                        ErrorCode.SHUTTING_DOWN,
                        "This node is shutting down; the upload stands at offset " + offset
                                + ": resume from HEAD's offset (on another node).")
                .with("offset", offset)
                .retryAfter(Duration.ofSeconds(1));
    }

    private static ApiException interrupted() {
        return new ApiException(
                ErrorCode.UPLOAD_INTERRUPTED, "The request ended before its body did; resume from HEAD's offset.");
    }
}
