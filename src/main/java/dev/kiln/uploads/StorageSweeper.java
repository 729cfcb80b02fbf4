package dev.kiln.uploads;

import dev.kiln.files.FileCatalog;
import dev.kiln.storage.BlobStore;
import dev.kiln.support.Loop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Cleans storage up: uploads past their expiry (unfinished ones with their bytes; finished ones
 * only their record — the file stays), and stored content no file refers to any more, once it is
 * older than a grace period (so content stored a moment ago, whose file row is about to be
 * written, is never taken). This is also what finishes a deletion that stopped after its rows
 * went ({@link #release}). Safe to run on every node at once.
 */
@Component
public class StorageSweeper extends Loop {

    private static final Logger log = LoggerFactory.getLogger(StorageSweeper.class);
    private static final int BATCH = 500;

    private final UploadStore store;
    private final PartFiles parts;
    private final BlobStore blobs;
    private final FileCatalog files;
    private final UploadSettings settings;
    private final Clock clock;

    StorageSweeper(
            UploadStore store,
            PartFiles parts,
            BlobStore blobs,
            FileCatalog files,
            UploadSettings settings,
            Clock clock) {
        super("kiln-storage-sweeper", settings.sweepInterval());
        this.store = store;
        this.parts = parts;
        this.blobs = blobs;
        this.files = files;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    protected boolean step() {
        sweep();
        return false;
    }

    /** One pass; returns how many uploads and blobs it removed. */
    public int sweep() {
        Instant now = clock.instant();
        int uploads = expireUploads(now);
        int content = deleteUnreferencedBlobs(now.minus(settings.blobGrace()));
        int leftovers = deleteLeftoverRanges(now.minus(settings.blobGrace()));
        int partFiles = deleteLeftoverPartFiles(now.minus(settings.blobGrace()));
        if (uploads + content + leftovers + partFiles > 0) {
            log.info(
                    "Storage sweep: {} expired upload(s), {} unreferenced blob(s), {} finished upload(s)' saved bytes"
                            + " and {} of this node's part file(s) removed",
                    uploads,
                    content,
                    leftovers,
                    partFiles);
        }
        return uploads + content + leftovers + partFiles;
    }

    /**
     * This node's part files of uploads that are over (completed, or gone): with a home per node,
     * an upload taken over and finished on another node leaves this node's copy, which nobody else
     * can reach. The grace keeps a file written a moment ago for an upload deleted meanwhile.
     */
    private int deleteLeftoverPartFiles(Instant olderThan) {
        return deleteOfUploadsOver(() -> parts.writtenHereBefore(olderThan), parts::deleteHere);
    }

    /** Saved bytes whose upload is over (completed, or gone): their own deletion failed or never ran. */
    private int deleteLeftoverRanges(Instant olderThan) {
        return deleteOfUploadsOver(() -> parts.savedBefore(olderThan), parts::delete);
    }

    private interface UploadIds {
        Collection<String> list() throws IOException;
    }

    private interface UploadBytes {
        void delete(String id) throws IOException;
    }

    /** Deletes with {@code bytes} what {@code candidates} lists of uploads that are completed or gone. */
    private int deleteOfUploadsOver(UploadIds candidates, UploadBytes bytes) {
        int removed = 0;
        try {
            for (String id : candidates.list()) {
                if (store.find(id).filter(upload -> !upload.complete()).isEmpty()) {
                    bytes.delete(id);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    private int expireUploads(Instant now) {
        int removed = 0;
        for (List<Upload> batch = store.expired(now, BATCH); !batch.isEmpty(); batch = store.expired(now, BATCH)) {
            for (Upload upload : batch) {
                // The record goes first, and only if still expired: a client resuming it meanwhile,
                // or another node's sweep, wins, and then its bytes are not this sweep's to delete.
                if (!store.deleteIfExpired(upload.id(), now)) {
                    continue;
                }
                try {
                    if (!upload.complete()) {
                        parts.delete(upload.id());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                removed++;
            }
        }
        return removed;
    }

    /**
     * What a deletion calls once its rows are gone: the content of {@code hashes} that nothing
     * refers to any more goes now, by the sweep's own rule (so content stored again within the
     * grace stays for a later sweep). A crash before or during this leaves nothing the next sweep
     * does not remove, and so does a store that fails now: the deletion is done (its rows are gone,
     * committed), so the failure is logged and left to the sweep, never thrown at the caller, who
     * would take the deletion for failed (and find the file gone when trying again). Returns how many
     * blobs it removed.
     */
    public int release(Collection<String> hashes) {
        // stored at the grace's start or earlier (the delete itself reads when each was stored)
        Instant before = clock.instant().minus(settings.blobGrace()).plusNanos(1);
        try {
            return deleteUnreferenced(List.copyOf(new HashSet<>(hashes)), before);
        } catch (UncheckedIOException | DataAccessException e) { // the store's failure, or the database's
            log.warn(
                    "Releasing the content of {} deleted file(s) failed; the storage sweep removes it later: {}",
                    hashes.size(),
                    e.toString());
            return 0;
        }
    }

    private int deleteUnreferencedBlobs(Instant olderThan) {
        List<BlobStore.Entry> old;
        try {
            old = blobs.storedBefore(olderThan);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return deleteUnreferenced(old.stream().map(BlobStore.Entry::sha256).toList(), olderThan);
    }

    /**
     * Deletes those of {@code old} that no file refers to and no upload is completing, unless stored
     * again since {@code before}: a new file of the same content refreshes its blob before its row is
     * written, so content found unreferenced here may be in use by the time it would go.
     */
    private int deleteUnreferenced(List<String> old, Instant before) {
        Set<String> needed = new HashSet<>(store.hashesBeingCompleted());
        int removed = 0;
        for (int i = 0; i < old.size(); i += BATCH) {
            List<String> hashes = old.subList(i, Math.min(old.size(), i + BATCH));
            needed.addAll(files.referenced(hashes));
            for (String hash : hashes) {
                try {
                    if (!needed.contains(hash) && blobs.deleteIfStoredBefore(hash, before)) {
                        removed++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return removed;
    }
}
