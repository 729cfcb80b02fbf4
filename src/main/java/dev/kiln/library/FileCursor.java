package dev.kiln.library;

import dev.kiln.support.Ids;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** Position in the newest-first file list: the last file seen. Opaque to clients, made like {@code jobs.JobCursor}. */
record FileCursor(long createdAt, String id) {

    String encode() {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdAt + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Empty when {@code text} is not a cursor this server made. */
    static Optional<FileCursor> decode(String text) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int colon = plain.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String id = plain.substring(colon + 1);
            if (!Ids.looksLike("file", id)) {
                return Optional.empty();
            }
            return Optional.of(new FileCursor(Long.parseLong(plain.substring(0, colon)), id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
