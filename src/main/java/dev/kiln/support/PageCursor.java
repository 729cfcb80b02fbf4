package dev.kiln.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Position in a newest-first list (jobs, files): the last row seen, by its creation time and id.
 * Opaque to clients.
 */
public record PageCursor(long createdAt, String id) {

    public String encode() {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdAt + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Empty when {@code text} is not a cursor this server made for ids of {@code kind} ({@link Ids}). */
    public static Optional<PageCursor> decode(String text, String kind) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int colon = plain.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String id = plain.substring(colon + 1);
            if (!Ids.looksLike(kind, id)) {
                return Optional.empty();
            }
            return Optional.of(new PageCursor(Long.parseLong(plain.substring(0, colon)), id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
