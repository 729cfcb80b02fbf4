package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.files.FileIntake;
import dev.kiln.files.StorageQuota;
import dev.kiln.jobs.ResultFiles;
import dev.kiln.storage.StoredBlob;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A worker uploads a result file of the job it holds (docs/workers.md, "Result files"): the body
 * streams into the blob store, and is recorded under the attempt only while the lease in {@code
 * Kiln-Lease} is still the job's. Everything that can be refused before a byte is read is.
 */
@RestController
@Tag(name = "workers")
class ResultFileController {

    static final String LEASE_HEADER = "Kiln-Lease";
    private static final int MAX_MEDIA_TYPE = 200;

    private final WorkerLeases leases;
    private final ResultFiles files;
    private final FileIntake intake;
    private final StorageQuota quota;

    ResultFileController(WorkerLeases leases, ResultFiles files, FileIntake intake, StorageQuota quota) {
        this.leases = leases;
        this.files = files;
        this.intake = intake;
        this.quota = quota;
    }

    /** Stores the body as the file {@code name} of the attempt, replacing one of that name. */
    @PutMapping(path = "/api/v1/worker/jobs/{id}/files/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(
            description = "The file's bytes; its Content-Type is kept as its media type",
            content = @Content(mediaType = "*/*", schema = @Schema(type = "string", format = "binary")))
    ResultFiles.ResultFile upload(
            @AuthenticationPrincipal User worker,
            @PathVariable String id,
            @PathVariable String name,
            @RequestHeader(name = LEASE_HEADER, required = false) String token,
            HttpServletRequest request)
            throws IOException {
        if (token == null || token.isEmpty() || token.length() > 200) {
            throw ApiException.invalidField(LEASE_HEADER, "Send the attempt's lease token in the Kiln-Lease header.");
        }
        if (!ResultFiles.validName(name)) {
            throw ApiException.invalidField("name", ResultFiles.NAME_RULE);
        }
        String mediaType = mediaType(request.getContentType());
        leases.held(worker, id, token);
        long maxSize = files.settings().maxSize().toBytes();
        long declared = request.getContentLengthLong();
        if (declared > maxSize) {
            throw FileIntake.tooLarge(maxSize);
        }
        ResultFiles.Room room = files.room(id, name).orElseThrow(() -> WorkerLeases.lost(id));
        if (room.otherFiles() >= files.settings().maxPerJob()) {
            throw tooMany(files.settings().maxPerJob());
        }
        quota.check(room.ownerId(), Math.max(0, declared) - room.replacing());
        StoredBlob blob;
        try (InputStream body = request.getInputStream()) {
            blob = intake.store(body, maxSize);
        }
        // A blob stored for nothing (the lease was lost meanwhile) is left to the storage sweeper.
        return switch (files.put(id, WorkerLeases.node(worker), token, name, blob, mediaType)) {
            case ResultFiles.Put.Stored stored -> stored.file();
            case ResultFiles.Put.LeaseLost lost -> throw WorkerLeases.lost(id);
            case ResultFiles.Put.TooMany many -> throw tooMany(many.max());
        };
    }

    /** The worker's Content-Type, a concrete type (default application/octet-stream). */
    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return MediaType.APPLICATION_OCTET_STREAM_VALUE;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            if (!type.isConcrete() || contentType.length() > MAX_MEDIA_TYPE) {
                throw new InvalidMediaTypeException(contentType, "not a concrete type");
            }
            return type.toString();
        } catch (InvalidMediaTypeException e) {
            throw ApiException.invalidField(
                    "Content-Type",
                    "Content-Type must be the file's media type (type/subtype), at most 200 characters.");
        }
    }

    private static ApiException tooMany(int max) {
        return new ApiException(
                        ErrorCode.TOO_MANY_FILES,
                        "An attempt may hold at most " + max + " result files; replace one by uploading its name"
                                + " again.")
                .with("max", max);
    }
}
