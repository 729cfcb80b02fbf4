package dev.kiln.library;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.Paging;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.Role;
import dev.kiln.auth.User;
import dev.kiln.files.StorageQuota;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.jobs.JobStore;
import dev.kiln.support.PageCursor;
import dev.kiln.support.Texts;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * "Your library": the file list, deleting files and jobs (one or a selection), and what a user's
 * storage holds. Another user's file or job answers like one that does not exist; admins may
 * act on everyone's.
 */
@RestController
class LibraryController {

    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;
    /** The most ids one bulk deletion takes (each is a transaction of its own). */
    static final int MAX_BULK = 200;

    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/([a-z0-9][a-z0-9!#$&^_.+-]{0,126}|\\*)");

    private final FileLibrary library;
    private final Deletions deletions;
    private final JobDeletion jobDeletion;
    private final JobStore jobs;
    private final StorageQuota quota;
    private final AuditLog audit;

    LibraryController(
            FileLibrary library,
            Deletions deletions,
            JobDeletion jobDeletion,
            JobStore jobs,
            StorageQuota quota,
            AuditLog audit) {
        this.library = library;
        this.deletions = deletions;
        this.jobDeletion = jobDeletion;
        this.jobs = jobs;
        this.quota = quota;
        this.audit = audit;
    }

    @GetMapping(path = "/api/v1/files", produces = MediaType.APPLICATION_JSON_VALUE)
    FileLibrary.Page list(
            @AuthenticationPrincipal User user,
            @RequestParam(required = false) String q,
            @RequestParam(required = false) String mediaType,
            @RequestParam(required = false) String owner,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        if (mediaType != null && !MEDIA_TYPE.matcher(mediaType).matches()) {
            throw ApiException.invalidField(
                    "mediaType", "mediaType must be a media type such as audio/mpeg, or a whole type such as audio/*.");
        }
        // No file name holds a control character; and PostgreSQL refuses a NUL in a query's text.
        if (q != null && !q.isEmpty() && !Texts.isOneLine(q, 255)) {
            throw ApiException.invalidField(
                    "q", "q is one line of at most 255 characters, without control characters (as a file name is).");
        }
        int pageSize = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        PageCursor after = Paging.cursor(cursor, "file");
        String name = q == null || q.isEmpty() ? null : q;
        return library.list(user, new FileLibrary.Filter(name, mediaType, owner), after, pageSize);
    }

    /** {@code ?jobs=delete}: the jobs made from the file go too (else jobs waiting or running keep it). */
    @DeleteMapping("/api/v1/files/{id}")
    ResponseEntity<Void> deleteFile(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(name = "jobs", required = false) String jobsParam) {
        boolean withJobs = withJobs(jobsParam);
        ifFailed(fileDeleted(user, id, withJobs));
        return ResponseEntity.noContent().build();
    }

    record Bulk(List<Item> items) {}

    /** One id's outcome: the status and problem code the single deletion would have answered with. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(String id, int status, String code, String detail) {}

    @PostMapping(
            path = "/api/v1/files/delete",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Bulk deleteFiles(
            @AuthenticationPrincipal User user,
            @RequestBody JsonNode body,
            @RequestParam(name = "jobs", required = false) String jobsParam) {
        boolean withJobs = withJobs(jobsParam);
        return bulk(body, id -> fileDeleted(user, id, withJobs));
    }

    @DeleteMapping("/api/v1/jobs/{id}")
    ResponseEntity<Void> deleteJob(@AuthenticationPrincipal User user, @PathVariable String id) {
        ifFailed(jobDeleted(user, id));
        return ResponseEntity.noContent().build();
    }

    @PostMapping(
            path = "/api/v1/jobs/delete",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Bulk deleteJobs(@AuthenticationPrincipal User user, @RequestBody JsonNode body) {
        return bulk(body, id -> jobDeleted(user, id));
    }

    /** The caller's storage and jobs (an admin's own, like anyone's). */
    record Usage(
            long storedBytes,
            long reservedBytes,
            long usedBytes,
            long quotaBytes,
            long files,
            Map<String, Long> jobs) {}

    @GetMapping(path = "/api/v1/me/usage", produces = MediaType.APPLICATION_JSON_VALUE)
    Usage usage(@AuthenticationPrincipal User user) {
        StorageQuota.Usage storage = quota.usage(user.id());
        // Counted as a member would see them: one's own jobs, whatever one's role.
        User self = new User(user.id(), user.name(), Role.MEMBER);
        return new Usage(
                storage.storedBytes(),
                storage.reservedBytes(),
                storage.usedBytes(),
                storage.quotaBytes(),
                storage.files(),
                jobs.counts(self, null));
    }

    /** Null when deleted, else the problem the deletion answers with. */
    private ApiException fileDeleted(User user, String id, boolean withJobs) {
        Optional<Deletions.FileOutcome> outcome = deletions.deleteFile(id, user, withJobs);
        if (outcome.isEmpty()) {
            return new ApiException(ErrorCode.FILE_NOT_FOUND, "No file " + id + ".");
        }
        return switch (outcome.get()) {
            case Deletions.FileOutcome.Deleted d -> {
                audit.record(user, AuditAction.FILE_DELETED, "file", id, Map.of("jobs", d.jobs()));
                yield null;
            }
            case Deletions.FileOutcome.InUse u ->
                new ApiException(
                                ErrorCode.FILE_IN_USE,
                                "Jobs waiting or running need file " + id + " (" + Deletions.ids(u.jobs())
                                        + "); cancel them, or delete them with it (?jobs=delete).")
                        .with("jobs", u.jobs());
            case Deletions.FileOutcome.JobsRunning r ->
                new ApiException(
                                ErrorCode.JOB_RUNNING,
                                "Jobs made from file " + id + " are running (" + Deletions.ids(r.jobs())
                                        + "); cancel them first.")
                        .with("jobs", r.jobs());
        };
    }

    private ApiException jobDeleted(User user, String id) {
        Optional<JobDeletion.Outcome> outcome = jobDeletion.delete(id, user);
        if (outcome.isEmpty()) {
            return new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + id + ".");
        }
        return switch (outcome.get()) {
            case JobDeletion.Outcome.Deleted d -> {
                audit.record(user, AuditAction.JOB_DELETED, "job", id);
                yield null;
            }
            case JobDeletion.Outcome.Running r ->
                new ApiException(
                                ErrorCode.JOB_RUNNING,
                                "Job " + id + " is running; cancel it (POST /api/v1/jobs/" + id
                                        + "/cancel), then delete it.")
                        .with("state", r.job().stateName());
        };
    }

    private static void ifFailed(ApiException problem) {
        if (problem != null) {
            throw problem;
        }
    }

    private static boolean withJobs(String jobs) {
        if (jobs != null && !jobs.equals("delete")) {
            throw ApiException.invalidField("jobs", "jobs may only be 'delete' (the file's jobs go with it).");
        }
        return jobs != null;
    }

    /** {@code {"ids": [...]}} → each id's outcome, in the order given (an id given twice counts once). */
    private static Bulk bulk(JsonNode body, Function<String, ApiException> delete) {
        JsonNode ids = body.get("ids");
        if (!body.isObject() || ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_BULK) {
            throw ApiException.invalidField("ids", "ids must be an array of 1 to " + MAX_BULK + " ids.");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (JsonNode id : ids) {
            if (!id.isString() || id.asString().isEmpty() || id.asString().length() > 100) {
                throw ApiException.invalidField("ids", "ids must be strings (file or job ids).");
            }
            unique.add(id.asString());
        }
        List<Item> items = new ArrayList<>();
        for (String id : unique) {
            ApiException problem = delete.apply(id);
            items.add(
                    problem == null
                            ? new Item(id, 204, null, null)
                            : new Item(
                                    id,
                                    problem.code().status().value(),
                                    problem.code().code(),
                                    problem.getMessage()));
        }
        return new Bulk(items);
    }
}
