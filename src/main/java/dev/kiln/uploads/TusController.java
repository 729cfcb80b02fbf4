package dev.kiln.uploads;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tus 1.0.0 protocol (https://tus.io/protocols/resumable-upload): core, creation,
 * creation-with-upload, termination, checksum and expiration. Each answer carries
 * {@code Tus-Resumable}; a finished upload's answers carry {@code Kiln-File-Id} (and, in the
 * one-step flow, {@code Kiln-Job-Id}).
 */
@RestController
@RequestMapping("/api/v1/uploads")
class TusController {

    static final String VERSION = "1.0.0";
    static final String OFFSET_STREAM = "application/offset+octet-stream";
    private static final String EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration";
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final Uploads uploads;

    TusController(Uploads uploads) {
        this.uploads = uploads;
    }

    @RequestMapping(method = RequestMethod.OPTIONS)
    ResponseEntity<Void> options() {
        return ResponseEntity.noContent()
                .header("Tus-Resumable", VERSION)
                .header("Tus-Version", VERSION)
                .header("Tus-Extension", EXTENSIONS)
                .header("Tus-Max-Size", Long.toString(uploads.maxSize()))
                .header("Tus-Checksum-Algorithm", String.join(",", ChunkDigest.NAMES))
                .build();
    }

    /** Creation (and creation-with-upload, when a body comes along). */
    @RequestMapping(method = RequestMethod.POST)
    ResponseEntity<Void> create(@AuthenticationPrincipal User user, HttpServletRequest request) throws IOException {
        requireTus(request);
        if (request.getHeader("Upload-Defer-Length") != null) {
            throw ApiException.invalidField("Upload-Defer-Length", "Kiln needs the length up front (Upload-Length).");
        }
        long length = longHeader(request, "Upload-Length");
        Upload upload = uploads.create(user, length, request.getHeader("Upload-Metadata"));
        ResponseEntity.BodyBuilder answer = ResponseEntity.created(URI.create("/api/v1/uploads/" + upload.id()))
                .header("Tus-Resumable", VERSION)
                .header("Upload-Expires", HTTP_DATE.format(upload.expiresAt()));
        if (OFFSET_STREAM.equals(request.getContentType()) && request.getContentLengthLong() != 0) {
            UploadWriter.Written written;
            try {
                written = uploads.append(
                        upload, 0, request.getContentLengthLong(), checksum(request), request.getInputStream());
            } catch (RuntimeException refused) {
                // The client never learns this upload's URL: a refused first chunk leaves nothing behind.
                uploads.terminate(upload);
                throw refused;
            }
            answer.header("Upload-Offset", Long.toString(written.offset()));
            completion(answer, written.upload());
        }
        return answer.build();
    }

    @RequestMapping(path = "/{id}", method = RequestMethod.HEAD)
    ResponseEntity<Void> status(
            @AuthenticationPrincipal User user, @PathVariable String id, HttpServletRequest request) {
        requireTus(request);
        Upload upload = uploads.status(user, id);
        ResponseEntity.BodyBuilder answer = ResponseEntity.ok()
                .header("Tus-Resumable", VERSION)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Upload-Offset", Long.toString(upload.complete() ? upload.length() : upload.offset()))
                .header("Upload-Length", Long.toString(upload.length()));
        if (upload.metadata() != null) {
            answer.header("Upload-Metadata", upload.metadata());
        }
        if (!upload.complete()) {
            answer.header("Upload-Expires", HTTP_DATE.format(upload.expiresAt()));
        }
        completion(answer, upload);
        return answer.build();
    }

    @RequestMapping(path = "/{id}", method = RequestMethod.PATCH)
    ResponseEntity<Void> append(@AuthenticationPrincipal User user, @PathVariable String id, HttpServletRequest request)
            throws IOException {
        requireTus(request);
        if (!OFFSET_STREAM.equals(request.getContentType())) {
            throw new ApiException(
                    ErrorCode.UNSUPPORTED_CONTENT_TYPE, "A PATCH carries Content-Type: " + OFFSET_STREAM + ".");
        }
        long offset = longHeader(request, "Upload-Offset");
        UploadWriter.Checksum checksum = checksum(request);
        Upload upload = uploads.find(user, id);
        UploadWriter.Written written =
                uploads.append(upload, offset, request.getContentLengthLong(), checksum, request.getInputStream());
        ResponseEntity.HeadersBuilder<?> answer = ResponseEntity.noContent()
                .header("Tus-Resumable", VERSION)
                .header("Upload-Offset", Long.toString(written.offset()));
        if (!written.upload().complete()) {
            answer.header("Upload-Expires", HTTP_DATE.format(written.upload().expiresAt()));
        }
        completion(answer, written.upload());
        return answer.build();
    }

    /** Termination: an unfinished upload's bytes are gone; later requests answer 404. */
    @RequestMapping(path = "/{id}", method = RequestMethod.DELETE)
    ResponseEntity<Void> terminate(
            @AuthenticationPrincipal User user, @PathVariable String id, HttpServletRequest request) {
        requireTus(request);
        uploads.terminate(uploads.find(user, id));
        return ResponseEntity.noContent().header("Tus-Resumable", VERSION).build();
    }

    private static void completion(ResponseEntity.HeadersBuilder<?> answer, Upload upload) {
        if (upload.complete()) {
            answer.header("Kiln-File-Id", upload.fileId());
            if (upload.jobId() != null) {
                answer.header("Kiln-Job-Id", upload.jobId());
            }
        }
    }

    private static void requireTus(HttpServletRequest request) {
        if (!VERSION.equals(request.getHeader("Tus-Resumable"))) {
            throw new ApiException(
                            ErrorCode.UNSUPPORTED_TUS_VERSION,
                            "This server speaks tus " + VERSION + "; send Tus-Resumable: " + VERSION + ".")
                    .with("field", "Tus-Resumable");
        }
    }

    /** A required header holding a byte count. */
    private static long longHeader(HttpServletRequest request, String name) {
        String value = request.getHeader(name);
        if (value == null) {
            throw ApiException.invalidField(name, name + " is required.");
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw ApiException.invalidField(name, name + " must be a whole number of bytes, 0 or more.");
        }
    }

    private static UploadWriter.Checksum checksum(HttpServletRequest request) {
        String header = request.getHeader("Upload-Checksum");
        if (header == null) {
            return null;
        }
        String[] parts = header.strip().split(" ");
        if (parts.length != 2) {
            throw ApiException.invalidField("Upload-Checksum", "Upload-Checksum is '<algorithm> <base64 digest>'.");
        }
        ChunkDigest.requireOffered(parts[0]);
        try {
            return new UploadWriter.Checksum(parts[0], Base64.getDecoder().decode(parts[1]));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("Upload-Checksum", "The checksum is not valid base64.");
        }
    }
}
