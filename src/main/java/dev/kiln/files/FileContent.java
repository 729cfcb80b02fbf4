package dev.kiln.files;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/** A stored file's bytes as an HTTP answer, with range requests (seeking, resumed downloads). */
@Component
public class FileContent {

    private final BlobStore blobs;

    FileContent(BlobStore blobs) {
        this.blobs = blobs;
    }

    /**
     * The answer for {@code file}; its media type is the sniffed one, and the browser is told not to
     * guess another. Spring serves the ranges.
     *
     * @param range the request's Range header, or null
     */
    public ResponseEntity<Resource> serve(FileInfo file, String range) throws IOException {
        if (!blobs.exists(file.sha256())) {
            throw new NoSuchFileException("blob " + file.sha256());
        }
        Resource content = new BlobResource(blobs, file.sha256(), file.size());
        checkRange(range, content, file.size());
        // Only what a player or an <img> shows is served inline; anything else (an uploaded HTML
        // page, an SVG) is a download, and even then sandboxed, so it never runs on Kiln's origin.
        ContentDisposition disposition = (playable(file.mediaType())
                        ? ContentDisposition.inline()
                        : ContentDisposition.attachment())
                .filename(file.name() != null ? file.name() : file.id(), StandardCharsets.UTF_8)
                .build();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(file.mediaType()))
                .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
                .header("Content-Security-Policy", "default-src 'none'; sandbox")
                .cacheControl(CacheControl.maxAge(Duration.ofHours(1)).cachePrivate())
                .body(content);
    }

    /**
     * A range Spring cannot serve (past the end, malformed, too many) would get a bare 416 carrying
     * the whole file. Checked here the same way, it is a problem document.
     */
    private static void checkRange(String range, Resource content, long size) {
        if (range == null) {
            return;
        }
        try {
            HttpRange.toResourceRegions(HttpRange.parseRanges(range), content);
        } catch (IllegalArgumentException e) {
            throw new ApiException(
                            ErrorCode.RANGE_NOT_SATISFIABLE,
                            "The Range cannot be served from this file of " + size + " bytes.")
                    .with("field", HttpHeaders.RANGE)
                    .header(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
        }
    }

    private static boolean playable(String mediaType) {
        return mediaType.startsWith("audio/")
                || mediaType.startsWith("video/")
                || mediaType.startsWith("image/") && !mediaType.contains("svg");
    }
}
