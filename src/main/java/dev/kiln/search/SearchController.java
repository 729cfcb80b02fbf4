package dev.kiln.search;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.Paging;
import dev.kiln.auth.User;
import dev.kiln.support.Texts;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
    private final Reranker reranker;

    SearchController(
            Retrieval retrieval, SearchQueue queue, SearchIndexer indexer, SegmentVectors vectors, Reranker reranker) {
        this.retrieval = retrieval;
        this.queue = queue;
        this.indexer = indexer;
        this.vectors = vectors;
        this.reranker = reranker;
    }

    /**
     * A page; {@code reranked} only where a reranker was asked for (hybrid, one configured), with
     * {@code rerankFailure} naming why the fused order was kept when it is false.
     */
    record Page(
            List<Hit> items,
            String nextCursor,
            @JsonInclude(JsonInclude.Include.NON_NULL) Boolean reranked,
            @JsonInclude(JsonInclude.Include.NON_NULL) String rerankFailure) {}

    /** Where a page starts in the ranked list, and the reason an earlier page kept the fused order (null: none did). */
    private record Position(int offset, Reranker.Failure kept) {
        static final Position FIRST = new Position(0, null);
    }

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
        Position at = cursor == null ? Position.FIRST : position(cursor);
        String ownerFilter = name("owner", owner);
        if (!user.isAdmin() && ownerFilter != null && !ownerFilter.equals(user.id())) {
            return new Page(List.of(), null, null, null);
        }
        Scope scope = new Scope(
                user.isAdmin() ? ownerFilter : user.id(), name("type", type), Set.of(), Set.of(), user.isAdmin());
        Retrieval.Results results = retrieval.search(how, scope, q, terms, pageSize + 1, at.offset(), at.kept());
        List<Hit> hits = results.found().stream().map(TextSearch.Found::hit).toList();
        Retrieval.Reranking reranking = results.reranking();
        String next = null;
        if (hits.size() > pageSize) {
            hits = hits.subList(0, pageSize);
            if (at.offset() + pageSize < MAX_DEPTH) {
                // A list that kept its fused order keeps it on every page, so pages never overlap.
                next = encode(new Position(at.offset() + pageSize, reranking == null ? null : reranking.kept()));
            }
        }
        return reranking == null
                ? new Page(hits, next, null, null)
                : new Page(hits, next, reranking.applied(), reranking.applied() ? null : reranking.kept().code);
    }

    /** How many jobs wait to be indexed (and are being indexed), the segments indexed, a reindex in progress. */
    @GetMapping(path = "/api/v1/admin/search/status", produces = MediaType.APPLICATION_JSON_VALUE)
    SearchQueue.Status status() {
        return queue.status(vectors.enabled() ? vectors.waiting() : null, reranker.status());
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

    /** {@code s1:<offset>}, or {@code s1:<offset>:<failure code>} for a list that kept its fused order. */
    private static String encode(Position at) {
        String plain = CURSOR_PREFIX + at.offset() + (at.kept() == null ? "" : ":" + at.kept().code);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static Position position(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (plain.startsWith(CURSOR_PREFIX)) {
                String[] parts = plain.substring(CURSOR_PREFIX.length()).split(":", -1);
                int offset = Integer.parseInt(parts[0]);
                Optional<Reranker.Failure> kept = parts.length == 2 ? Reranker.Failure.of(parts[1]) : Optional.empty();
                boolean wellFormed = parts.length == 1 || parts.length == 2 && kept.isPresent();
                if (wellFormed && offset > 0 && offset < MAX_DEPTH) {
                    return new Position(offset, kept.orElse(null));
                }
            }
        } catch (IllegalArgumentException e) {
            // not one of ours: answered below
        }
        throw Paging.badCursor();
    }
}
