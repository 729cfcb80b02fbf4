package dev.kiln.api;

import dev.kiln.support.PageCursor;

/** The query parameters of a paged list ({@code limit}, {@code cursor}), checked the same way on every endpoint. */
public final class Paging {

    private Paging() {}

    /**
     * The page size asked for, {@code byDefault} when none was.
     *
     * @throws ApiException {@code invalid_field} (limit) when it is not from 1 to {@code max}
     */
    public static int size(Integer limit, int byDefault, int max) {
        int size = limit == null ? byDefault : limit;
        if (size < 1 || size > max) {
            throw ApiException.invalidField("limit", "limit must be from 1 to " + max + ".");
        }
        return size;
    }

    /** A cursor this server did not return (or that does not fit this list). */
    public static ApiException badCursor() {
        return ApiException.invalidField("cursor", "cursor is not one this server returned.");
    }

    /**
     * The position a newest-first list of ids of {@code kind} resumes after; null for the first page.
     *
     * @throws ApiException {@code invalid_field} (cursor) for one this server did not return
     */
    public static PageCursor cursor(String cursor, String kind) {
        return cursor == null ? null : PageCursor.decode(cursor, kind).orElseThrow(Paging::badCursor);
    }
}
