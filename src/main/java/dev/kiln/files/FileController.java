package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import org.springframework.web.util.UriUtils;

@RestController
@RequestMapping("/api/v1/files")
class FileController {

    private final FileIntake intake;
    private final FileCatalog catalog;
    private final MediaLinks links;
    private final FileContent content;
    private final AuditLog audit;

    FileController(FileIntake intake, FileCatalog catalog, MediaLinks links, FileContent content, AuditLog audit) {
        this.audit = audit;
        this.intake = intake;
        this.catalog = catalog;
        this.links = links;
        this.content = content;
    }

    /** The file is the raw request body; its name may come as {@code ?name=} or a Content-Disposition. */
    @PostMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<FileInfo> uploadRaw(@AuthenticationPrincipal User user, HttpServletRequest request)
            throws IOException {
        if (request.getContentType() != null && request.getContentType().startsWith("multipart/")) {
            throw new ApiException(
                    ErrorCode.UNSUPPORTED_CONTENT_TYPE, "Send multipart uploads with a part named 'file'.");
        }
        intake.checkDeclaredLength(user.id(), request.getContentLengthLong());
        // The query string is parsed here, not through getParameter(), which would swallow a
        // form-encoded body (what curl --data-binary sends by default) as form fields.
        String name = ServletUriComponentsBuilder.fromRequest(request)
                .build()
                .getQueryParams()
                .getFirst("name");
        String fileName =
                name != null ? queryName(name) : dispositionName(request.getHeader(HttpHeaders.CONTENT_DISPOSITION));
        try (InputStream body = request.getInputStream()) {
            return created(intake.accept(user.id(), body, fileName));
        }
    }

    /** The file is the multipart part named {@code file}. */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<FileInfo> uploadMultipart(
            @AuthenticationPrincipal User user, HttpServletRequest request, @RequestParam("file") MultipartFile file)
            throws IOException {
        intake.checkDeclaredLength(user.id(), file.getSize());
        try (InputStream body = file.getInputStream()) {
            return created(intake.accept(user.id(), body, file.getOriginalFilename()));
        }
    }

    @GetMapping("/{id}")
    FileInfo get(@AuthenticationPrincipal User user, @PathVariable String id) {
        return catalog.find(id, user)
                .orElseThrow(() -> new ApiException(ErrorCode.FILE_NOT_FOUND, "No file " + id + "."));
    }

    /** A link to the file's content that works without a token for a few hours (for media players). */
    @PostMapping(path = "/{id}/link", produces = MediaType.APPLICATION_JSON_VALUE)
    MediaLinks.Link link(@AuthenticationPrincipal User user, @PathVariable String id) {
        FileInfo file = catalog.find(id, user)
                .orElseThrow(() -> new ApiException(ErrorCode.FILE_NOT_FOUND, "No file " + id + "."));
        return links.link(file.id());
    }

    /**
     * The content, with range requests (seeking), for the owner's token or a signed link. The media
     * type is the sniffed one; the browser is told not to guess another.
     */
    @GetMapping("/{id}/content")
    ResponseEntity<Resource> content(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(required = false) Long expires,
            @RequestParam(required = false) String sig,
            HttpServletRequest request)
            throws IOException {
        boolean signed = expires != null && links.valid(id, expires, sig);
        if (!signed && user == null) {
            throw new ApiException(
                    ErrorCode.LINK_INVALID,
                    "This link is invalid or has expired; ask for a new one (POST /api/v1/files/" + id + "/link).");
        }
        FileInfo file = (signed ? catalog.findById(id) : catalog.find(id, user))
                .orElseThrow(() -> new ApiException(ErrorCode.FILE_NOT_FOUND, "No file " + id + "."));
        String range = request.getHeader(HttpHeaders.RANGE);
        ResponseEntity<Resource> response = content.serve(file, range);
        // A player asks for many ranges of one recording; only a read from the start counts as a download
        // (and a refused Range is no download at all).
        if (range == null || range.startsWith("bytes=0-")) {
            audit.record(
                    user,
                    AuditAction.FILE_DOWNLOADED,
                    "file",
                    file.id(),
                    Map.of("via", user == null ? "signed link" : "credential"));
        }
        return response;
    }

    private static ResponseEntity<FileInfo> created(FileInfo file) {
        return ResponseEntity.created(URI.create("/api/v1/files/" + file.id())).body(file);
    }

    private static String queryName(String encoded) {
        try {
            return UriUtils.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("name", "name is not percent-encoded correctly.");
        }
    }

    private static String dispositionName(String header) {
        if (header == null) {
            return null;
        }
        try {
            return ContentDisposition.parse(header).getFilename();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("Content-Disposition", "The Content-Disposition header is malformed.");
        }
    }
}
