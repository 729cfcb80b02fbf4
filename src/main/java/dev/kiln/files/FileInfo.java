package dev.kiln.files;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A stored file as clients see it. The media type is sniffed from the bytes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileInfo(
        String id,
        @JsonIgnore String ownerId,
        long size,
        String sha256,
        String mediaType,
        String name,
        Instant createdAt) {}
