package dev.kiln.batches;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.Paging;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.files.BodyCopies;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobStore;
import dev.kiln.support.PageCursor;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Batches: many files submitted together, each a normal job. Another user's batch answers like
 * one that does not exist; admins may see and act on everyone's.
 */
@RestController
@RequestMapping("/api/v1/batches")
class BatchApiController {

    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

    private final BatchSubmissions submissions;
    private final BatchStore batches;
    private final BatchActions actions;
    private final BatchZip zip;
    private final BodyCopies copies;
    private final JobStore jobs;
    private final AuditLog audit;
    private final Clock clock;

    BatchApiController(
            BatchSubmissions submissions,
            BatchStore batches,
            BatchActions actions,
            BatchZip zip,
            BodyCopies copies,
            JobStore jobs,
            AuditLog audit,
            Clock clock) {
        this.submissions = submissions;
        this.batches = batches;
        this.actions = actions;
        this.zip = zip;
        this.copies = copies;
        this.jobs = jobs;
        this.audit = audit;
        this.clock = clock;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<BatchView> submit(
            @AuthenticationPrincipal User user,
            @RequestBody JsonNode body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        BatchSubmissions.Submitted submitted = submissions.submit(user, body, idempotencyKey);
        ResponseEntity.BodyBuilder response = ResponseEntity.created(
                URI.create("/api/v1/batches/" + submitted.batch().id()));
        if (submitted.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.body(view(submitted.batch()));
    }

    record BatchList(List<BatchView> items, String nextCursor) {}

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    BatchList list(
            @AuthenticationPrincipal User user,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        int pageSize = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        PageCursor after = Paging.cursor(cursor, "batch");
        BatchStore.Page page = batches.list(user, after, pageSize);
        Map<String, Tally> tallies = batches.tallies(
                page.items().stream().map(BatchStore.BatchRow::id).toList());
        return new BatchList(
                page.items().stream()
                        .map(row -> BatchView.summary(row, tallies.getOrDefault(row.id(), new Tally())))
                        .toList(),
                page.nextCursor());
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    BatchView get(@AuthenticationPrincipal User user, @PathVariable String id) {
        return view(find(user, id));
    }

    /** Cancels every job of the batch that has not finished: waiting ones at once, running ones asked to stop. */
    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    BatchView cancel(@AuthenticationPrincipal User user, @PathVariable String id) {
        BatchStore.BatchRow batch = find(user, id);
        actions.cancelAll(user, batch);
        return view(batch);
    }

    /** Puts the batch's failed and cancelled jobs back in the queue (each a manual retry). */
    @PostMapping(path = "/{id}/retry", produces = MediaType.APPLICATION_JSON_VALUE)
    BatchView retry(@AuthenticationPrincipal User user, @PathVariable String id) {
        BatchStore.BatchRow batch = find(user, id);
        actions.retryFailed(user, batch);
        return view(batch);
    }

    /** Every succeeded job's result in {@code format}, one zip entry each, streamed as it is made. */
    @GetMapping("/{id}/download")
    void download(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(name = "format", required = false) String requested,
            HttpServletResponse response)
            throws IOException {
        String format = requested == null ? "json" : requested;
        BatchStore.BatchRow batch = find(user, id);
        zip.checkFormat(batch, format);
        List<Job> members = jobs.inBatch(batch.id());
        audit.record(user, AuditAction.BATCH_DOWNLOADED, "batch", id, Map.of("format", format));
        response.setContentType("application/zip");
        response.setHeader(
                HttpHeaders.CONTENT_DISPOSITION,
                ContentDisposition.attachment()
                        .filename(BatchZip.zipName(batch, format), StandardCharsets.UTF_8)
                        .build()
                        .toString());
        OutputStream out = response.getOutputStream();
        copies.run(() -> {
            zip.write(batch, members, format, out); // rendering and deflating: CPU-bound
            return null;
        });
    }

    private BatchStore.BatchRow find(User user, String id) {
        return batches.find(id, user)
                .orElseThrow(() -> new ApiException(ErrorCode.BATCH_NOT_FOUND, "No batch " + id + "."));
    }

    private BatchView view(BatchStore.BatchRow batch) {
        return BatchView.full(batch, jobs.inBatch(batch.id()), clock.instant());
    }
}
