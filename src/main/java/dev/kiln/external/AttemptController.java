package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileContent;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.workers.WorkerSettings;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.Resource;
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
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an external worker sends about a job it holds (docs/workers.md, "While running"). Every
 * write carries the attempt's lease token and goes through the same guarded arrows as the
 * in-process workers' writes: once the lease is no longer the attempt's, nothing it sends lands.
 */
@RestController
@RequestMapping(path = "/api/v1/worker/jobs/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "workers")
class AttemptController {

    static final int MAX_WAIT_SECONDS = 25;
    static final int MAX_PARTIALS = 1000;
    static final int MAX_PARTIAL_BYTES = 64 * 1024;
    /** A waiting heartbeat renews first when its lease would expire less than this after the wait. */
    private static final Duration RENEW_MARGIN = Duration.ofSeconds(2);

    private final WorkerLeases leases;
    private final JobQueue queue;
    private final JobStore jobs;
    private final RetryPolicy retryPolicy;
    private final WorkerSettings settings;
    private final WorkerSignals signals;
    private final FileCatalog files;
    private final FileContent content;
    private final JsonMapper json;
    private final Clock clock;

    @SuppressWarnings("checkstyle:ParameterNumber")
    AttemptController(
            WorkerLeases leases,
            JobQueue queue,
            JobStore jobs,
            RetryPolicy retryPolicy,
            WorkerSettings settings,
            WorkerSignals signals,
            FileCatalog files,
            FileContent content,
            JsonMapper json,
            Clock clock) {
        this.leases = leases;
        this.queue = queue;
        this.jobs = jobs;
        this.retryPolicy = retryPolicy;
        this.settings = settings;
        this.signals = signals;
        this.files = files;
        this.content = content;
        this.json = json;
        this.clock = clock;
    }

    record Heartbeat(Instant leaseExpiresAt, boolean cancelRequested) {}

    /**
     * Renews the lease; with {@code waitSeconds}, answers at once when a cancel is requested, else
     * after the wait (at most half the lease). A waiting heartbeat renews once, at its end (and at its start too only if the
     * lease would not outlast the wait): a short job's heartbeat costs reads, not writes.
     */
    @PostMapping("/heartbeat")
    Heartbeat heartbeat(@AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body)
            throws InterruptedException {
        String token = lease(body, "{lease, waitSeconds?}", "lease", "waitSeconds");
        Duration wait = heartbeatWait(body, settings.leaseDuration());
        JobQueue.Held held = leases.held(worker, id, token);
        try (Waiters.Wait waiting = signals.cancels.register(List.of(id))) {
            boolean now = wait.isZero() || held.cancelRequested() || signals.draining;
            if (now || held.leaseExpiresAt().isBefore(clock.instant().plus(wait).plus(RENEW_MARGIN))) {
                Heartbeat beat = renew(worker, id, token);
                if (now || beat.cancelRequested()) {
                    return beat;
                }
            }
            waiting.await(wait);
        }
        leases.held(worker, id, token); // an attempt that ended meanwhile: lease_lost, and nothing written
        return renew(worker, id, token);
    }

    /**
     * The wait a heartbeat asked for, cut to half the lease: a waiting heartbeat renews only at its
     * start and its end, so a longer wait would let the lease lapse mid-wait and the job be rescued.
     */
    static Duration heartbeatWait(JsonNode body, Duration lease) {
        Duration asked = Duration.ofSeconds(Fields.integer(body, "waitSeconds", 0, MAX_WAIT_SECONDS, 0));
        Duration cap = lease.dividedBy(2);
        return asked.compareTo(cap) > 0 ? cap : asked;
    }

    private Heartbeat renew(User worker, String id, String token) {
        JobQueue.Lease lease =
                queue.renew(WorkerLeases.node(worker), Map.of(id, token), settings.leaseDuration()).stream()
                        .findFirst() // renewed only while still held under that token
                        .orElseThrow(() -> WorkerLeases.lost(id));
        return new Heartbeat(clock.instant().plus(settings.leaseDuration()), lease.cancelRequestedAt() != null);
    }

    @PostMapping("/progress")
    ResponseEntity<Void> progress(
            @AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body) {
        String token =
                lease(body, "{lease, progress, stage?, etaSeconds?}", "lease", "progress", "stage", "etaSeconds");
        double progress = Fields.number(body, "progress", 0, 1, true);
        String stage = Fields.string(body, "stage", 200, false);
        Double eta = Fields.number(body, "etaSeconds", 0, 366 * 24 * 3600, false);
        leases.held(worker, id, token);
        write(
                id,
                new JobQueue.Progress(
                        id, token, progress, stage, eta == null ? null : Duration.ofMillis((long) (eta * 1000))));
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/partials")
    ResponseEntity<Void> partials(
            @AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body) {
        String token = lease(body, "{lease, items: [partial results]}", "lease", "items");
        JsonNode items = body.get("items");
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_PARTIALS) {
            throw ApiException.invalidField("items", "items must list 1 to " + MAX_PARTIALS + " partial results.");
        }
        List<JobQueue.Write> writes = new ArrayList<>();
        for (JsonNode item : items) {
            if (json.writeValueAsBytes(item).length > MAX_PARTIAL_BYTES) {
                throw new ApiException(
                                ErrorCode.JSON_TOO_LARGE,
                                "A partial result may be at most " + MAX_PARTIAL_BYTES + " bytes of JSON; send the"
                                        + " large part with the final result.")
                        .with("field", "items");
            }
            writes.add(new JobQueue.Partial(id, token, item));
        }
        leases.held(worker, id, token);
        write(id, writes);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/complete")
    Job complete(@AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body) {
        String token = lease(body, "{lease, result?}", "lease", "result");
        JsonNode result = body.get("result");
        JobQueue.Held held = leases.held(worker, id, token);
        String document = result == null || result.isNull() ? null : json.writeValueAsString(result);
        write(id, new JobQueue.Finish(id, token, new JobQueue.Succeeded(held.attempt(), document)));
        return job(id);
    }

    @PostMapping("/fail")
    Job fail(@AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body) {
        String token = lease(body, "{lease, code, message, retryable?}", "lease", "code", "message", "retryable");
        JobError error = Fields.failure(body);
        JobQueue.Held held = leases.held(worker, id, token);
        // A failure while a cancel is pending ends cancelled, as the stop it most likely is.
        JobQueue.Outcome outcome = retryPolicy.after(error, held.attempt(), held.maxAttempts(), held.cancelRequested());
        write(id, new JobQueue.Finish(id, token, outcome));
        return job(id);
    }

    @PostMapping("/release")
    Job release(@AuthenticationPrincipal User worker, @PathVariable String id, @RequestBody JsonNode body) {
        String token = lease(body, "{lease}", "lease");
        JobQueue.Held held = leases.held(worker, id, token);
        write(id, new JobQueue.Finish(id, token, new JobQueue.Released(held.attempt())));
        return job(id);
    }

    /** The input of a job this worker identity holds, with range requests. */
    @GetMapping(path = "/input", consumes = MediaType.ALL_VALUE)
    ResponseEntity<Resource> input(
            @AuthenticationPrincipal User worker,
            @PathVariable String id,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range)
            throws IOException {
        JobQueue.Held held = queue.held(id)
                .filter(j -> WorkerLeases.node(worker).equals(j.node()) && j.inputFileId() != null)
                .orElseThrow(() -> new ApiException(
                        ErrorCode.FILE_NOT_FOUND, "Job " + id + " is not held by this worker, or has no input file."));
        FileInfo file = files.findByIds(List.of(held.inputFileId())).get(held.inputFileId());
        if (file == null) {
            throw new ApiException(ErrorCode.FILE_NOT_FOUND, "The input of job " + id + " is gone.");
        }
        return content.serve(file, range);
    }

    private static String lease(JsonNode body, String shape, String... known) {
        Fields.object(body, shape, known);
        return Fields.string(body, "lease", 200, true);
    }

    private void write(String id, JobQueue.Write write) {
        write(id, List.of(write));
    }

    private void write(String id, List<JobQueue.Write> writes) {
        if (queue.apply(writes).contains(false)) {
            throw WorkerLeases.lost(id);
        }
    }

    private Job job(String id) {
        return jobs.findById(id).orElseThrow(() -> new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + id + "."));
    }
}
