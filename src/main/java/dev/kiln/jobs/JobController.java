package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.Paging;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.limits.SubmissionLimits;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.support.Ids;
import dev.kiln.support.PageCursor;
import dev.kiln.support.Texts;
import io.swagger.v3.oas.annotations.Parameter;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
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
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/api/v1/jobs")
class JobController {

    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

    private final JobRequests requests;
    private final JobStore store;
    private final SubmissionLimits limits;
    private final JsonMapper json;
    private final AuditLog audit;
    private final DryRun dryRuns;

    JobController(
            JobRequests requests,
            JobStore store,
            SubmissionLimits limits,
            JsonMapper json,
            AuditLog audit,
            DryRun dryRuns) {
        this.audit = audit;
        this.dryRuns = dryRuns;
        this.requests = requests;
        this.store = store;
        this.limits = limits;
        this.json = json;
    }

    // Every POST says what it produces: a client whose Accept refuses JSON is refused (406) before
    // anything is done, not after the job exists.
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> submit(
            @AuthenticationPrincipal User user,
            @RequestBody JsonNode body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @Parameter(description = "true: check everything a submission would and answer an estimate; store nothing")
                    @RequestParam(required = false)
                    String dryRun) {
        if (dryRun != null && !dryRun.equals("false")) {
            if (!dryRun.equals("true")) {
                throw ApiException.invalidField("dryRun", "dryRun must be true or false.");
            }
            return ResponseEntity.ok(dryRuns.check(user, body, idempotencyKey));
        }
        JobStore.Submission submission = requests.submit(user, body, idempotencyKey);
        return JobRequests.accepted(submission);
    }

    record JobList(List<Job> items, String nextCursor) {}

    @GetMapping
    JobList list(
            @AuthenticationPrincipal User user,
            @RequestParam(required = false) String state,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) String q,
            @RequestParam(required = false) String name,
            @Parameter(
                            description =
                                    "a file's id: the jobs made from it, page by page (the file list shows its latest and jobsCursor for the rest)")
                    @RequestParam(required = false)
                    String file,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        // q and name are the same filter (the input file's name contains it, any case): q as in the file list.
        String inputName = q != null && !q.isEmpty() ? q : name != null && !name.isEmpty() ? name : null;
        // No file name holds a control character; and PostgreSQL refuses a NUL in a query's text.
        if (inputName != null && !Texts.isOneLine(inputName, 255)) {
            throw ApiException.invalidField(
                    q != null && !q.isEmpty() ? "q" : "name",
                    "A file name is one line of at most 255 characters, without control characters.");
        }
        JobState stateFilter = null;
        if (state != null) {
            try {
                stateFilter = JobState.fromWire(state);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField(
                        "state",
                        "Unknown state '" + state + "'; one of "
                                + java.util.Arrays.stream(JobState.values())
                                        .map(JobState::wire)
                                        .toList() + ".");
            }
        }
        checkType(type);
        // Only the shape is checked: another user's file lists nothing, as one that does not exist.
        if (file != null && !Ids.looksLike("file", file)) {
            throw ApiException.invalidField("file", "file must be a file's id (file_…).");
        }
        int pageSize = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        PageCursor after = Paging.cursor(cursor, "job");
        JobStore.Page page = store.list(user, new JobFilter(stateFilter, type, inputName, file), after, pageSize);
        return new JobList(page.items(), page.nextCursor());
    }

    record Counts(Map<String, Long> counts, long total) {}

    /** Jobs per state, for list views' filters (of one type, if given). */
    @GetMapping("/counts")
    Counts counts(@AuthenticationPrincipal User user, @RequestParam(required = false) String type) {
        checkType(type);
        Map<String, Long> counts = store.counts(user, type);
        return new Counts(
                counts, counts.values().stream().mapToLong(Long::longValue).sum());
    }

    @GetMapping("/{id}")
    Job get(@AuthenticationPrincipal User user, @PathVariable String id) {
        return store.findWithQueuePosition(id, user).orElseThrow(() -> notFound(id));
    }

    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Job> cancel(@AuthenticationPrincipal User user, @PathVariable String id) {
        JobStore.CancelOutcome outcome = store.cancel(id, user).orElseThrow(() -> notFound(id));
        if (outcome instanceof JobStore.CancelOutcome.Cancelled
                || outcome instanceof JobStore.CancelOutcome.Requested) {
            audit.record(user, AuditAction.JOB_CANCELLED, "job", id);
        }
        return switch (outcome) {
            case JobStore.CancelOutcome.Cancelled c -> ResponseEntity.ok(c.job());
            case JobStore.CancelOutcome.AlreadyCancelled c -> ResponseEntity.ok(c.job());
            case JobStore.CancelOutcome.Requested r ->
                ResponseEntity.status(HttpStatus.ACCEPTED).body(r.job());
            case JobStore.CancelOutcome.AlreadyFinished f ->
                throw new ApiException(
                                ErrorCode.JOB_FINISHED,
                                "Job " + id + " already " + f.job().state().wire() + "; there is nothing to cancel.")
                        .with("state", f.job().state().wire());
        };
    }

    @PostMapping(path = "/{id}/retry", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Job> retry(@AuthenticationPrincipal User user, @PathVariable String id) {
        // A retried job waits in the queue again, so it needs room there like a new one (it is not a new submission).
        return switch (store.retry(id, user, limits::checkQueued).orElseThrow(() -> notFound(id))) {
            case JobStore.RetryOutcome.Requeued r -> {
                audit.record(user, AuditAction.JOB_RETRIED, "job", id);
                yield ResponseEntity.accepted().body(r.job());
            }
            case JobStore.RetryOutcome.NotRetryable n ->
                throw new ApiException(
                                ErrorCode.JOB_NOT_RETRYABLE,
                                "Job " + id + " is " + n.job().state().wire()
                                        + "; only failed or cancelled jobs can be retried.")
                        .with("state", n.job().state().wire());
        };
    }

    private static void checkType(String type) {
        if (type != null && !ProcessorRegistry.isValidName(type)) {
            throw ApiException.invalidField("type", "type must be a processor name (lowercase letters, digits, '-').");
        }
    }

    static ApiException notFound(String id) {
        return new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + id + ".");
    }
}
