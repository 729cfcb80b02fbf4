package dev.kiln.search;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.Paging;
import dev.kiln.auth.User;
import dev.kiln.support.Texts;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/search}: the caller's transcripts and documents, segment by segment (admins:
 * everyone's, {@code owner=} to narrow); and the index's upkeep for admins ({@code /admin/search}).
 */
@RestController
class SearchController {

    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;
    static final int MAX_QUERY = 500;
    static final int MAX_TERMS = 32;
    /** How deep paging goes: ranked lists are read from the top each time, so past this the cost is not worth it. */
    static final int MAX_DEPTH = 1_000;

    private static final Set<String> MODES = Set.of("text", "hybrid", "semantic");
    private static final String CURSOR_PREFIX = "s1:";

    private final Retrieval retrieval;
    private final SearchQueue queue;
    private final SearchIndexer indexer;
    private final SegmentVectors vectors;

    SearchController(Retrieval retrieval, SearchQueue queue, SearchIndexer indexer, SegmentVectors vectors) {
        this.retrieval = retrieval;
        this.queue = queue;
        this.indexer = indexer;
        this.vectors = vectors;
    }

    record Page(List<Hit> items, String nextCursor) {}

    @GetMapping(path = "/api/v1/search", produces = MediaType.APPLICATION_JSON_VALUE)
    Page search(
            @AuthenticationPrincipal User user,
            @RequestParam(required = false) String q,
            @RequestParam(required = false) String mode,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) String owner,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor)
            throws InterruptedException {
        List<String> terms = terms(q);
        Retrieval.Mode how = mode(mode);
        int pageSize = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        int offset = cursor == null ? 0 : offset(cursor);
        String ownerFilter = name("owner", owner);
        if (!user.isAdmin() && ownerFilter != null && !ownerFilter.equals(user.id())) {
            return new Page(List.of(), null);
        }
        Scope scope = new Scope(
                user.isAdmin() ? ownerFilter : user.id(), name("type", type), Set.of(), Set.of(), user.isAdmin());
        List<Hit> hits = retrieval.search(how, scope, q, terms, pageSize + 1, offset).stream()
                .map(TextSearch.Found::hit)
                .toList();
        String next = null;
        if (hits.size() > pageSize) {
            hits = hits.subList(0, pageSize);
            if (offset + pageSize < MAX_DEPTH) {
                next = encode(offset + pageSize);
            }
        }
        return new Page(hits, next);
    }

    /** How many jobs wait to be indexed (and are being indexed), the segments indexed, a reindex in progress. */
    @GetMapping(path = "/api/v1/admin/search/status", produces = MediaType.APPLICATION_JSON_VALUE)
    SearchQueue.Status status() {
        return queue.status(vectors.enabled() ? vectors.waiting() : null);
    }

    /** Queues every succeeded transcript and document again, a batch at a time (resumes after a restart). */
    @PostMapping(path = "/api/v1/admin/search/reindex", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<SearchQueue.Reindex> reindex() {
        SearchQueue.Reindex reindex = queue.startReindex();
        indexer.wake();
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(reindex);
    }

    private static List<String> terms(String q) {
        if (q == null || q.isBlank()) {
            throw ApiException.invalidField("q", "q is what to search for, and it is missing.");
        }
        if (q.length() > MAX_QUERY) {
            throw ApiException.invalidField("q", "q may be at most " + MAX_QUERY + " characters.")
                    .with("max", MAX_QUERY);
        }
        List<String> terms = TextSearch.terms(q);
        if (terms.isEmpty()) {
            throw ApiException.invalidField("q", "q has no words to search for (letters or digits).");
        }
        if (terms.size() > MAX_TERMS) {
            throw ApiException.invalidField("q", "q may hold at most " + MAX_TERMS + " different words.")
                    .with("max", MAX_TERMS);
        }
        return terms;
    }

    /** The mode asked for; text by default (the web app's search shows every-word hits). */
    private Retrieval.Mode mode(String mode) {
        if (mode != null && !MODES.contains(mode)) {
            throw ApiException.invalidField(
                    "mode", "mode is text, hybrid or semantic; not '" + Texts.safe(mode, 40) + "'.");
        }
        if (mode == null) {
            return Retrieval.Mode.TEXT;
        }
        if (mode.equals("text") || retrieval.semanticAvailable()) {
            return Retrieval.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        }
        throw new ApiException(
                        ErrorCode.SEARCH_MODE_UNAVAILABLE,
                        "This server searches by words only (mode=text): " + mode
                                + " search needs sentence embeddings, which are not enabled here.")
                .with("field", "mode")
                .with("available", List.of("text"));
    }

    /** An exact-match filter value: a processor name or a user id, never long, never with control characters. */
    private static String name(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > 100 || !Texts.safe(value, 100).equals(value)) {
            throw ApiException.invalidField(field, field + " is a name of at most 100 characters.");
        }
        return value;
    }

    private static String encode(int offset) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((CURSOR_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int offset(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (plain.startsWith(CURSOR_PREFIX)) {
                int offset = Integer.parseInt(plain.substring(CURSOR_PREFIX.length()));
                if (offset > 0 && offset < MAX_DEPTH) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException e) {
            // not one of ours: answered below
        }
        throw Paging.badCursor();
    }
}
