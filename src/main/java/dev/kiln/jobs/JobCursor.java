package dev.kiln.jobs;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** Position in the newest-first job list: the last job seen. Opaque to clients. */
public record JobCursor(long createdAt, String id) {

    public String encode() {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdAt + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Empty when {@code text} is not a cursor this server made. */
    public static Optional<JobCursor> decode(String text) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int colon = plain.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            String id = plain.substring(colon + 1);
            if (!dev.kiln.support.Ids.looksLike("job", id)) {
                return Optional.empty();
            }
            return Optional.of(new JobCursor(Long.parseLong(plain.substring(0, colon)), id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
