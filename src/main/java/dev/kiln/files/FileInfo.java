package dev.kiln.files;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A stored file as clients see it. The media type is sniffed from the bytes; the length of a
 * recording and the pages of a document are known once a processor has read the file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileInfo(
        String id,
        @JsonIgnore String ownerId,
        long size,
        String sha256,
        String mediaType,
        String name,
        Instant createdAt,
        @JsonIgnore Long durationMs,
        Integer pages) {

    /** A file nothing has measured yet. */
    public FileInfo(
            String id, String ownerId, long size, String sha256, String mediaType, String name, Instant createdAt) {
        this(id, ownerId, size, sha256, mediaType, name, createdAt, null, null);
    }

    /** The length of audio or video in seconds, when a processor has measured it. */
    @JsonProperty("duration")
    public Double duration() {
        return durationMs == null ? null : durationMs / 1000.0;
    }
}
