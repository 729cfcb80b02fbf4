package dev.kiln.support;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Position in a newest-first list (jobs, files, batches): the last row seen, by its creation time and id.
 * Opaque to clients.
 */
public record PageCursor(long createdAt, String id) {

    /** The order of every newest-first list: total, so paging neither repeats nor skips a row while new ones arrive. */
    public static final String ORDER = " ORDER BY created_at DESC, id DESC";

    /** The cursor to the page after the one that ends with this row. */
    public static String after(Instant createdAt, String id) {
        return new PageCursor(createdAt.toEpochMilli(), id).encode();
    }

    /** Appends "after this row" in {@link #ORDER} to a WHERE clause, its values to {@code args}. */
    public void appendTo(StringBuilder where, List<Object> args) {
        where.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
        args.add(createdAt);
        args.add(createdAt);
        args.add(id);
    }

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
