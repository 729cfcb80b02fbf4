package dev.kiln.external;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.Problems;
import dev.kiln.auth.User;
import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.workers.WorkerSettings;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker-level calls (docs/workers.md, "Batched calls"): one heartbeat for every job a worker
 * holds, and the ends of many attempts in one request and one transaction. Each item is checked
 * and answered on its own, like its per-job call: a lost lease is that item's {@code lease_lost},
 * never the others', and changes nothing.
 */
@RestController
@RequestMapping(path = "/api/v1/worker", consumes = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "workers")
class BatchController {

    static final int MAX_ITEMS = 500;
    /** A waiting heartbeat renews first when a lease would expire less than this after the wait. */
    private static final Duration RENEW_MARGIN = Duration.ofSeconds(2);

    private final WorkerLeases leases;
    private final JobQueue queue;
    private final RetryPolicy retryPolicy;
    private final WorkerSettings settings;
    private final WorkerSignals signals;
    private final JsonMapper json;
    private final Clock clock;

    BatchController(
            WorkerLeases leases,
            JobQueue queue,
            RetryPolicy retryPolicy,
            WorkerSettings settings,
            WorkerSignals signals,
            JsonMapper json,
            Clock clock) {
        this.leases = leases;
        this.queue = queue;
        this.retryPolicy = retryPolicy;
        this.settings = settings;
        this.signals = signals;
        this.json = json;
        this.clock = clock;
    }

    /** A job named in a batch, with the rest of its item. */
    private record Item(String id, String lease, JsonNode body) {}

    /** One job's heartbeat: its renewed lease, or the problem its per-job heartbeat would have answered. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Beat(String id, Instant leaseExpiresAt, Boolean cancelRequested, Map<String, Object> problem) {}

    /**
     * @param cancelRequested every running job of this worker identity asked to cancel, listed or not
     *                        (one claimed after the heartbeat was sent, or another process's)
     */
    record Beats(List<Beat> jobs, List<String> cancelRequested) {}

    /** One attempt's end: the job's state after it, or the problem its per-job call would have answered. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Ended(String id, String state, Map<String, Object> problem) {}

    record Endings(List<Ended> items) {}

    /**
     * Renews the leases of the jobs listed. With {@code waitSeconds} it answers at once when a job
     * this worker identity holds is asked to cancel and is not among {@code cancelsSeen}, else after
     * the wait, at most half the lease (renewing then, and at the start only for a lease that would
     * not outlast the wait).
     */
    @PostMapping("/heartbeat")
    Beats heartbeat(@AuthenticationPrincipal User worker, @RequestBody JsonNode body) throws InterruptedException {
        Fields.object(
                body,
                "{jobs: [{id, lease}], cancelsSeen?: [job ids], waitSeconds?}",
                "jobs",
                "cancelsSeen",
                "waitSeconds");
        List<Item> items = items(body.get("jobs"), "jobs", 0, "{id, lease}", "id", "lease");
        Set<String> seen = seen(body.get("cancelsSeen"));
        Duration wait = AttemptController.heartbeatWait(body, settings.leaseDuration());
        String node = WorkerLeases.node(worker);
        Map<String, JobQueue.Held> held =
                queue.held(items.stream().map(Item::id).toList());
        try (Waiters.Wait waiting = signals.nodeCancels.register(List.of(node))) {
            List<String> cancels = queue.cancelRequested(node, MAX_ITEMS);
            if (wait.isZero() || signals.draining || !seen.containsAll(cancels)) {
                return new Beats(renew(worker, items, held), cancels);
            }
            Instant renewBy = clock.instant().plus(wait).plus(RENEW_MARGIN);
            if (held.values().stream()
                    .map(JobQueue.Held::leaseExpiresAt)
                    .anyMatch(expires -> expires != null && expires.isBefore(renewBy))) {
                renew(worker, items, held);
            }
            waiting.await(wait);
        }
        List<Beat> beats = renew(worker, items, held); // an attempt that ended meanwhile: lease_lost
        return new Beats(beats, queue.cancelRequested(node, MAX_ITEMS));
    }

    private List<Beat> renew(User worker, List<Item> items, Map<String, JobQueue.Held> held) {
        Map<String, ApiException> refused = new HashMap<>();
        Map<String, String> valid = new HashMap<>();
        for (Item item : items) {
            try {
                valid.put(
                        leases.check(worker, item.id(), item.lease(), held.get(item.id()))
                                .id(),
                        item.lease());
            } catch (ApiException e) {
                refused.put(item.id(), e);
            }
        }
        Map<String, JobQueue.Lease> renewed = new HashMap<>();
        if (!valid.isEmpty()) {
            queue.renew(WorkerLeases.node(worker), valid, settings.leaseDuration())
                    .forEach(lease -> renewed.put(lease.jobId(), lease));
        }
        Instant expires = clock.instant().plus(settings.leaseDuration());
        List<Beat> beats = new ArrayList<>(items.size());
        for (Item item : items) {
            JobQueue.Lease lease = renewed.get(item.id());
            if (lease != null && lease.token().equals(item.lease())) {
                beats.add(new Beat(item.id(), expires, lease.cancelRequestedAt() != null, null));
            } else {
                ApiException problem = refused.getOrDefault(item.id(), WorkerLeases.lost(item.id()));
                beats.add(new Beat(item.id(), null, null, problem(problem)));
            }
        }
        return beats;
    }

    /** Completes attempts, each with its {@code result} (any JSON, optional), in one transaction. */
    @PostMapping("/complete")
    Endings complete(@AuthenticationPrincipal User worker, @RequestBody JsonNode body) {
        Fields.object(body, "{items: [{id, lease, result?}]}", "items");
        List<Item> items = items(body.get("items"), "items", 1, "{id, lease, result?}", "id", "lease", "result");
        return end(worker, items, (item, held) -> {
            JsonNode result = item.body().get("result");
            return new JobQueue.Succeeded(
                    held.attempt(), result == null || result.isNull() ? null : json.writeValueAsString(result));
        });
    }

    /** Fails attempts, each with its {@code code}, {@code message} and {@code retryable?}, in one transaction. */
    @PostMapping("/fail")
    Endings fail(@AuthenticationPrincipal User worker, @RequestBody JsonNode body) {
        Fields.object(body, "{items: [{id, lease, code, message, retryable?}]}", "items");
        String shape = "{id, lease, code, message, retryable?}";
        List<Item> items = items(body.get("items"), "items", 1, shape, "id", "lease", "code", "message", "retryable");
        Map<String, JobError> errors = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                errors.put(items.get(i).id(), Fields.failure(items.get(i).body()));
            } catch (ApiException e) {
                throw e.with("field", "items[" + i + "]." + e.properties().get("field"));
            }
        }
        // A failure while a cancel is pending ends cancelled, as the stop it most likely is.
        return end(
                worker,
                items,
                (item, held) -> retryPolicy.after(
                        errors.get(item.id()), held.attempt(), held.maxAttempts(), held.cancelRequested()));
    }

    private Endings end(User worker, List<Item> items, BiFunction<Item, JobQueue.Held, JobQueue.Outcome> outcome) {
        Map<String, JobQueue.Held> held =
                queue.held(items.stream().map(Item::id).toList());
        Map<String, ApiException> refused = new HashMap<>();
        List<JobQueue.Finish> finishes = new ArrayList<>();
        for (Item item : items) {
            try {
                JobQueue.Held job = leases.check(worker, item.id(), item.lease(), held.get(item.id()));
                finishes.add(new JobQueue.Finish(item.id(), item.lease(), outcome.apply(item, job)));
            } catch (ApiException e) {
                refused.put(item.id(), e);
            }
        }
        List<Boolean> accepted = finishes.isEmpty() ? List.of() : queue.apply(finishes);
        for (int i = 0; i < finishes.size(); i++) {
            if (!accepted.get(i)) {
                refused.put(
                        finishes.get(i).jobId(),
                        WorkerLeases.lost(finishes.get(i).jobId()));
            }
        }
        Map<String, JobQueue.Held> after = queue.held(finishes.stream()
                .map(JobQueue.Finish::jobId)
                .filter(id -> !refused.containsKey(id))
                .toList());
        return new Endings(items.stream()
                .map(item -> refused.containsKey(item.id())
                        ? new Ended(item.id(), null, problem(refused.get(item.id())))
                        : new Ended(item.id(), after.get(item.id()).state().wire(), null))
                .toList());
    }

    /**
     * The items of a batch, each an object of {@code known} fields with an {@code id} and its
     * {@code lease}; a job named twice is refused (its second item could only be lost).
     */
    private static List<Item> items(JsonNode list, String field, int min, String shape, String... known) {
        if (list == null || !list.isArray() || list.size() < min || list.size() > MAX_ITEMS) {
            throw ApiException.invalidField(
                    field, field + " must list " + min + " to " + MAX_ITEMS + " jobs, each " + shape + ".");
        }
        List<Item> items = new ArrayList<>(list.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            try {
                Fields.object(item, shape, known);
                Item read =
                        new Item(Fields.string(item, "id", 100, true), Fields.string(item, "lease", 200, true), item);
                if (!ids.add(read.id())) {
                    throw ApiException.invalidField("id", "Job " + read.id() + " is named twice.");
                }
                items.add(read);
            } catch (ApiException e) {
                Object inner = e.properties().get("field");
                throw e.with("field", field + "[" + i + "]" + (Objects.equals(inner, "body") ? "" : "." + inner));
            }
        }
        return items;
    }

    private static Set<String> seen(JsonNode ids) {
        if (ids == null || ids.isNull()) {
            return Set.of();
        }
        if (!ids.isArray() || ids.size() > MAX_ITEMS) {
            throw ApiException.invalidField("cancelsSeen", "cancelsSeen must list up to " + MAX_ITEMS + " job ids.");
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode id : ids) {
            if (!id.isString()) {
                throw ApiException.invalidField("cancelsSeen", "cancelsSeen must list job ids (strings).");
            }
            seen.add(id.asString());
        }
        return seen;
    }

    /** The problem document of one item, as a whole answer would carry it. */
    private static Map<String, Object> problem(ApiException e) {
        ProblemDetail problem = Problems.of(e);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", problem.getType().toString());
        entry.put("title", problem.getTitle());
        entry.put("status", problem.getStatus());
        entry.put("detail", problem.getDetail());
        if (problem.getProperties() != null) {
            entry.putAll(problem.getProperties());
        }
        return entry;
    }
}
