package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import dev.kiln.api.ClientJson;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.files.FileInfo;
import dev.kiln.files.FileIntake;
import dev.kiln.files.StorageQuota;
import dev.kiln.jobs.JobRequests;
import dev.kiln.storage.BlobStore;
import dev.kiln.storage.StoredBlob;
import dev.kiln.support.Ids;
import dev.kiln.support.Texts;
import dev.kiln.uploads.UploadWriter.Checksum;
import dev.kiln.uploads.UploadWriter.Written;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
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

    private final UploadStore store;
    private final PartFiles parts;
    private final BlobStore blobs;
    private final FileIntake intake;
    private final StorageQuota quota;
    private final JobRequests jobRequests;
    private final Users users;
    private final UploadWriter writer;
    private final UploadSettings settings;
    private final JsonMapper json;
    private final ClientJson clientJson;
    private final Clock clock;

    Uploads(
            UploadStore store,
            PartFiles parts,
            BlobStore blobs,
            FileIntake intake,
            StorageQuota quota,
            JobRequests jobRequests,
            Users users,
            UploadWriter writer,
            UploadSettings settings,
            JsonMapper json,
            ClientJson clientJson,
            Clock clock) {
        this.store = store;
        this.parts = parts;
        this.blobs = blobs;
        this.intake = intake;
        this.quota = quota;
        this.jobRequests = jobRequests;
        this.users = users;
        this.writer = writer;
        this.settings = settings;
        this.json = json;
        this.clientJson = clientJson;
        this.clock = clock;
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
        Instant now = clock.instant();
        Upload upload = new Upload(
                Ids.next("upl"),
                user.id(),
                length,
                0,
                metadataHeader,
                // Made a file's name when complete; kept now without the NUL PostgreSQL refuses (base64 carries any
                // byte).
                Texts.safe(metadata.get("filename"), Integer.MAX_VALUE),
                jobRequest,
                now,
                now.plus(settings.expireAfter()),
                null,
                null,
                null,
                null);
        // The job's submission counts now, so the last byte is never refused for a limit; with the row
        // in the same transaction, concurrent creations take turns on the room among waiting jobs.
        store.create(upload, jobRequest == null ? () -> {} : () -> jobRequests.admitUpcoming(user));
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
            throw new ApiException(
                    ErrorCode.UPLOAD_EXPIRED,
                    "Upload " + id + " expired at " + upload.expiresAt() + "; start a new one.");
        }
        return upload;
    }

    /**
     * The upload as HEAD shows it. One whose every byte is in but which is not yet a file (its
     * completion failed, or its node died during it) is completed first, under its lock, as an
     * empty PATCH at its length would: a tus client that sees {@code Upload-Offset} equal to
     * {@code Upload-Length} sends nothing more, so HEAD must not show that before the file exists.
     */
    Upload status(User user, String id) {
        Upload upload = find(user, id);
        // Only the owner's: an admin's HEAD of another user's upload only looks (docs/protocol.md).
        if (upload.complete() || upload.offset() < upload.length() || !user.id().equals(upload.ownerId())) {
            return upload;
        }
        return append(upload, upload.length(), 0, null, InputStream.nullInputStream())
                .upload();
    }

    /**
     * Appends {@code body} at {@code offset} ({@link UploadWriter}); the last byte completes the
     * upload. A completed one answers a retried completion the same again.
     */
    Written append(Upload upload, long offset, long declaredLength, Checksum checksum, InputStream body) {
        if (upload.complete()) {
            if (offset == upload.length() && declaredLength <= 0) {
                return new Written(upload, upload.length());
            }
            throw new ApiException(ErrorCode.OFFSET_MISMATCH, "Upload " + upload.id() + " is complete.")
                    .with("offset", upload.length());
        }
        return writer.append(upload, offset, declaredLength, checksum, body, this::complete);
    }

    /**
     * Turns a fully received upload into its file (content-addressed: the part file is renamed
     * into the blob store, or dropped if that content is already there) and, in the one-step flow,
     * its job. Every step can be repeated: a retried completion gives the same file and job.
     */
    private Upload complete(Upload received) {
        Upload upload = store.find(received.id()).orElseThrow();
        StoredBlob blob;
        try {
            // The part file first: asking a remote store is a request, and adopt asks it anyway.
            blob = !Files.exists(parts.path(upload.id())) && blobs.exists(upload.sha256())
                    ? new StoredBlob(upload.sha256(), upload.length())
                    : store(upload);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not store upload " + upload.id(), e);
        }
        parts.completed(upload.id());
        Map<String, String> metadata = TusMetadata.parse(upload.metadata());
        FileInfo file;
        try {
            file = intake.register(
                    upload.fileId(), upload.ownerId(), blob, upload.filename(), metadata.get("processor"));
        } catch (ApiException refused) {
            // Nobody can process this content: the upload is over (its blob goes to the sweeper).
            store.delete(upload.id());
            throw refused;
        }
        String jobId = null;
        if (upload.jobRequest() != null) {
            ObjectNode request = (ObjectNode) json.readTree(upload.jobRequest());
            request.set("input", json.createObjectNode().put("fileId", file.id()));
            // The owner's job, whoever sent the last byte: it was counted for them at creation.
            User owner = users.findById(upload.ownerId())
                    .orElseThrow(() -> new ApiException(ErrorCode.UPLOAD_NOT_FOUND, "No upload " + upload.id() + "."));
            jobId = jobRequests
                    .submitAdmitted(owner, request, "upload:" + upload.id())
                    .job()
                    .id();
        }
        Instant completedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS); // as stored
        store.complete(upload.id(), jobId, completedAt);
        log.info(
                "Upload {} complete: file {} ({} bytes){}",
                upload.id(),
                file.id(),
                file.size(),
                jobId == null ? "" : ", job " + jobId);
        // What the row now holds, without reading it a third time in this request.
        return new Upload(
                upload.id(),
                upload.ownerId(),
                upload.length(),
                upload.offset(),
                upload.metadata(),
                upload.filename(),
                upload.jobRequest(),
                upload.createdAt(),
                upload.expiresAt(),
                upload.sha256(),
                upload.fileId(),
                jobId,
                completedAt);
    }

    /** The whole upload, checked against its hash, into the blob store (joined from its saved ranges where it can be). */
    private StoredBlob store(Upload upload) throws IOException {
        Path whole = parts.whole(upload.id(), upload.length(), upload.sha256());
        Optional<StoredBlob> stored = parts.store(upload.id(), whole, upload.length(), upload.sha256());
        return stored.isPresent() ? stored.get() : blobs.adopt(whole, upload.sha256());
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
}
