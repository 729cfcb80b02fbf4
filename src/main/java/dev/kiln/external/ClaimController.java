package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.processors.DeclaredProcessor;
import dev.kiln.processors.DeclaredProcessors;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.support.Texts;
import dev.kiln.workers.WorkerSettings;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * External workers claim jobs (docs/workers.md, "Claiming"): a batch, under one lease, of the
 * processors they name, waiting up to 30 s for one to be submitted when there is none.
 */
@RestController
@Tag(name = "workers")
class ClaimController {

    static final int MAX_BATCH = 64;
    static final int MAX_WAIT_SECONDS = 30;
    /** How often a waiting claim writes a space, and so learns whether its worker is still there. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(1);

    private static final JobError INPUT_GONE = JobError.of(JobErrorCode.INPUT_MISSING, "The input file was deleted.");

    private final Database db;
    private final JobQueue queue;
    private final RetryPolicy retryPolicy;
    private final DeclaredProcessors declared;
    private final WorkerSettings settings;
    private final WorkerSignals signals;
    private final AuditLog audit;
    private final JsonMapper json;
    private final Clock clock;

    @SuppressWarnings("checkstyle:ParameterNumber")
    ClaimController(
            Database db,
            JobQueue queue,
            RetryPolicy retryPolicy,
            DeclaredProcessors declared,
            WorkerSettings settings,
            WorkerSignals signals,
            AuditLog audit,
            JsonMapper json,
            Clock clock) {
        this.db = db;
        this.queue = queue;
        this.retryPolicy = retryPolicy;
        this.declared = declared;
        this.settings = settings;
        this.signals = signals;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    record Input(String name, long size, String mediaType, String sha256, String url) {}

    record Claim(
            String id,
            String type,
            JsonNode params,
            int attempt,
            int maxAttempts,
            String lease,
            Instant leaseExpiresAt,
            Input input) {}

    record Claimed(List<Claim> jobs, long leaseSeconds) {}

    /**
     * A long poll answers at once with its headers, then a space each second while it waits (JSON
     * allows leading whitespace): a worker that died while waiting is noticed within seconds, before
     * a job is claimed for it, and jobs claimed for a worker whose answer cannot be written are
     * released at once, their attempt not counted.
     */
    @PostMapping(path = "/api/v1/worker/claim", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ApiResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Claimed.class)))
    void claim(@AuthenticationPrincipal User worker, @RequestBody JsonNode body, HttpServletResponse response)
            throws InterruptedException, IOException {
        Fields.object(
                body,
                "{worker, processors: [names], max?, waitSeconds?}",
                "worker",
                "processors",
                "max",
                "waitSeconds");
        String instance = Fields.string(body, "worker", 100, true);
        // Shown to admins, and PostgreSQL refuses a NUL; a half character would be stored as '?'.
        if (!Texts.wellFormed(instance).equals(instance) || !Texts.isOneLine(instance, 100)) {
            throw ApiException.invalidField("worker", "worker must be one line without control characters.");
        }
        List<String> types = processors(body.get("processors"));
        int max = (int) Fields.integer(body, "max", 1, MAX_BATCH, 1);
        Duration wait = Duration.ofSeconds(Fields.integer(body, "waitSeconds", 0, MAX_WAIT_SECONDS, 0));
        declared.seen(worker.id(), instance, types);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        OutputStream out = response.getOutputStream();
        List<JobQueue.Claim> claimed =
                waitAndClaim(worker, instance, types, max, clock.instant().plus(wait), out);
        if (claimed == null) {
            return; // the worker went away while waiting
        }
        try {
            out.write(json.writeValueAsBytes(answer(claimed)));
            out.flush();
        } catch (IOException | RuntimeException e) {
            release(claimed);
            throw e;
        }
    }

    /**
     * Claims, waiting until the deadline for work: woken by a submission (here or, by notice, on
     * another node), and looking again every poll interval for work nobody announces (an ended
     * backoff, a rescued lease). Null when the worker stopped listening meanwhile.
     */
    private List<JobQueue.Claim> waitAndClaim(
            User worker, String instance, List<String> types, int max, Instant deadline, OutputStream out)
            throws InterruptedException {
        while (!signals.draining) { // a node going away hands out nothing: the worker asks another
            try (Waiters.Wait waiting = signals.work.register(types)) {
                List<JobQueue.Claim> claimed = claimNow(worker, instance, types, max);
                if (!claimed.isEmpty() || !clock.instant().isBefore(deadline)) {
                    return claimed;
                }
                Instant nextLook = min(deadline, clock.instant().plus(settings.pollInterval()));
                boolean woken = false;
                while (!woken && clock.instant().isBefore(nextLook)) {
                    if (!stillThere(out)) {
                        return null;
                    }
                    woken = waiting.await(min(KEEP_ALIVE, Duration.between(clock.instant(), nextLook)));
                }
            }
        }
        return List.of();
    }

    private static boolean stillThere(OutputStream out) {
        try {
            out.write(' ');
            out.flush();
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private Claimed answer(List<JobQueue.Claim> claimed) {
        Instant expires = clock.instant().plus(settings.leaseDuration());
        List<Claim> jobs = new ArrayList<>();
        for (JobQueue.Claim c : claimed) {
            jobs.add(new Claim(
                    c.id(),
                    c.type(),
                    c.params(),
                    c.attempt(),
                    c.maxAttempts(),
                    c.leaseToken(),
                    expires,
                    c.input() == null
                            ? null
                            : new Input(
                                    c.input().name(),
                                    c.input().size(),
                                    c.input().mediaType(),
                                    c.input().sha256(),
                                    "/api/v1/worker/jobs/" + c.id() + "/input")));
        }
        return new Claimed(jobs, settings.leaseDuration().toSeconds());
    }

    private void release(List<JobQueue.Claim> claimed) {
        queue.apply(claimed.stream()
                .map(c -> new JobQueue.Finish(c.id(), c.leaseToken(), new JobQueue.Released(c.attempt())))
                .toList());
    }

    /** Claims, and audits what it claimed, in one transaction. */
    private List<JobQueue.Claim> claimNow(User worker, String instance, List<String> types, int max) {
        return db.write(() -> {
            List<JobQueue.Claim> claimed = new ArrayList<>();
            for (String type : types) {
                if (claimed.size() >= max) {
                    break;
                }
                claimed.addAll(claimRunnable(type, max - claimed.size(), WorkerLeases.node(worker)));
            }
            Map<String, Map<String, ?>> audited = new LinkedHashMap<>();
            claimed.forEach(c -> audited.put(c.id(), Map.of("worker", instance, "attempt", c.attempt())));
            if (!audited.isEmpty()) {
                audit.recordAll(worker, AuditAction.JOB_CLAIMED, "job", audited);
            }
            return claimed;
        });
    }

    /** Up to {@code limit} jobs of {@code type} the worker can run, claimed again for any that could not. */
    private List<JobQueue.Claim> claimRunnable(String type, int limit, String node) {
        boolean takesInput =
                declared.find(type).map(DeclaredProcessor::takesInput).orElse(false);
        List<JobQueue.Claim> runnable = new ArrayList<>();
        boolean more = true; // a full batch: the queue may hold more
        while (more && runnable.size() < limit) {
            int wanted = limit - runnable.size();
            List<JobQueue.Claim> batch = queue.claim(type, wanted, node, settings.leaseDuration());
            runnable.addAll(takesInput ? withInput(batch) : batch);
            more = batch.size() == wanted;
        }
        return runnable;
    }

    /**
     * The claims that can run; the others, of jobs whose file was deleted (a finished job's, then
     * retried), fail at once as {@code input_missing}, as they would in Kiln's own workers.
     */
    private List<JobQueue.Claim> withInput(List<JobQueue.Claim> batch) {
        List<JobQueue.Claim> runnable = new ArrayList<>();
        List<JobQueue.Finish> lost = new ArrayList<>();
        for (JobQueue.Claim c : batch) {
            if (c.input() != null) {
                runnable.add(c);
            } else {
                lost.add(new JobQueue.Finish(
                        c.id(), c.leaseToken(), retryPolicy.after(INPUT_GONE, c.attempt(), c.maxAttempts(), false)));
            }
        }
        if (!lost.isEmpty()) {
            queue.apply(lost);
        }
        return runnable;
    }

    private List<String> processors(JsonNode names) {
        if (names == null || !names.isArray() || names.isEmpty() || names.size() > 100) {
            throw ApiException.invalidField("processors", "processors must list 1 to 100 processor names.");
        }
        LinkedHashSet<String> types = new LinkedHashSet<>();
        for (JsonNode name : names) {
            String type = name.asString("");
            if (declared.find(type).isEmpty()) {
                throw new ApiException(
                                ErrorCode.UNKNOWN_PROCESSOR,
                                "No worker declared a processor named '" + type + "'; declare it first (PUT"
                                        + " /api/v1/worker/processors/{name}).")
                        .with("field", "processors");
            }
            types.add(type);
        }
        return List.copyOf(types);
    }
}
