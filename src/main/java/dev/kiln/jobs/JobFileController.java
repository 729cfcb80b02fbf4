package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.files.FileContent;
import dev.kiln.files.FileInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A job's result files (uploaded by its external worker, {@link ResultFiles}), for whoever may see
 * the job: listed, and downloaded with range requests.
 */
@RestController
@RequestMapping("/api/v1/jobs/{id}/files")
class JobFileController {

    private final JobStore jobs;
    private final ResultFiles files;
    private final FileContent content;
    private final AuditLog audit;

    JobFileController(JobStore jobs, ResultFiles files, FileContent content, AuditLog audit) {
        this.jobs = jobs;
        this.files = files;
        this.content = content;
        this.audit = audit;
    }

    record Listed(
            String name, long size, String sha256, String mediaType, int attempt, Instant createdAt, String url) {}

    record Files(List<Listed> items) {}

    /** The files of the job's running or succeeded attempt, by name (none in any other state). */
    @GetMapping
    Files list(@AuthenticationPrincipal User user, @PathVariable String id) {
        Job job = jobs.find(id, user).orElseThrow(() -> JobController.notFound(id));
        return new Files(files.list(job.id()).stream()
                .map(f -> new Listed(
                        f.name(),
                        f.size(),
                        f.sha256(),
                        f.mediaType(),
                        f.attempt(),
                        f.createdAt(),
                        "/api/v1/jobs/" + job.id() + "/files/" + f.name()))
                .toList());
    }

    /** One file's bytes, with range requests; served like any file (a download, sandboxed). */
    @GetMapping("/{name}")
    ResponseEntity<Resource> download(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @PathVariable String name,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range)
            throws IOException {
        Job job = jobs.find(id, user).orElseThrow(() -> JobController.notFound(id));
        ResultFiles.ResultFile file = (ResultFiles.validName(name)
                        ? files.find(job.id(), name)
                        : Optional.<ResultFiles.ResultFile>empty())
                .orElseThrow(() -> new ApiException(
                        ErrorCode.FILE_NOT_FOUND, "Job " + job.id() + " has no result file of that name."));
        ResponseEntity<Resource> response = content.serve(
                new FileInfo(name, job.ownerId(), file.size(), file.sha256(), file.mediaType(), name, file.createdAt()),
                range);
        // As for any file: a read from the start counts as a download, a player's later ranges do not.
        if (range == null || range.startsWith("bytes=0-")) {
            audit.record(user, AuditAction.RESULT_DOWNLOADED, "job", job.id(), Map.of("file", name));
        }
        return response;
    }
}
