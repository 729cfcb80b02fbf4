package dev.kiln.webhooks;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.jobs.JobsEnded;
import dev.kiln.jobs.Moved;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the messages of jobs that ended, in the very transaction that ended them ({@link
 * JobsEnded}): the job's final event and its pending deliveries commit together or not at all, so a
 * crash or restart loses none. The core does not know this listens. One indexed query per ending
 * batch when nobody has a webhook; the body of each message is made here once and sent unchanged on
 * every attempt.
 */
@Component
class Outbox {

    /** Ended jobs of owners not deleted (whom to tell was decided from the endpoints already read). */
    private static final String ENDED = """
            SELECT j.id, j.owner_id, j.type, j.state, j.seq, j.attempt, j.created_at, j.started_at,
                   j.finished_at, j.error_code, j.error_message, j.error_retryable, j.result_size, j.reused_from,
                   j.callback_url
            FROM jobs j JOIN users u ON u.id = j.owner_id AND u.deleted_at IS NULL
            WHERE j.id IN (:ids)""";

    private final Database db;
    private final Webhooks webhooks;
    private final Deliveries deliveries;
    private final DeliveryWorker worker;
    private final WebhookSettings settings;
    private final JsonMapper json;
    private final Clock clock;

    Outbox(
            Database db,
            Webhooks webhooks,
            Deliveries deliveries,
            DeliveryWorker worker,
            WebhookSettings settings,
            JsonMapper json,
            Clock clock) {
        this.db = db;
        this.webhooks = webhooks;
        this.deliveries = deliveries;
        this.worker = worker;
        this.settings = settings;
        this.json = json;
        this.clock = clock;
    }

    /** An ended job, as its message tells it. */
    private record Ended(
            String id,
            String ownerId,
            String type,
            String state,
            long seq,
            int attempt,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            String errorCode,
            String errorMessage,
            boolean errorRetryable,
            Long resultSize,
            String reusedFrom,
            String callbackUrl) {}

    @EventListener
    void ended(JobsEnded ended) {
        Map<String, List<Webhooks.Webhook>> endpoints =
                webhooks
                        .endpointsOf(ended.jobs().stream()
                                .map(Moved::ownerId)
                                .distinct()
                                .toList())
                        .stream()
                        .collect(Collectors.groupingBy(Webhooks.Webhook::ownerId));
        // The jobs are read only when someone may be told: on the hot path nobody is, and reading
        // every ended batch back cost the database more than the arrow that ended it.
        List<Moved> maybe = ended.jobs().stream()
                .filter(m -> !Boolean.FALSE.equals(m.callback()) || endpoints.containsKey(m.ownerId()))
                .toList();
        if (maybe.isEmpty()) {
            return;
        }
        List<Ended> jobs = read(maybe);
        String event = EventType.of(ended.state()).wire();
        Map<String, String> callbackEntries = jobs.stream()
                .filter(j -> j.callbackUrl() != null)
                .map(Ended::ownerId)
                .distinct()
                .sorted() // every writer makes owners' entries in one order: no deadlock between two
                .collect(Collectors.toMap(Function.identity(), webhooks::callbackOf));
        List<Deliveries.NewDelivery> messages = new ArrayList<>();
        for (Ended job : jobs) {
            String payload = payload(event, job);
            for (Webhooks.Webhook hook : endpoints.getOrDefault(job.ownerId(), List.of())) {
                if (hook.wants(event, job.type())) {
                    messages.add(new Deliveries.NewDelivery(
                            hook.id(), job.ownerId(), job.id(), job.seq(), event, hook.url(), payload));
                }
            }
            if (job.callbackUrl() != null) {
                messages.add(new Deliveries.NewDelivery(
                        callbackEntries.get(job.ownerId()),
                        job.ownerId(),
                        job.id(),
                        job.seq(),
                        event,
                        job.callbackUrl(),
                        payload));
            }
        }
        if (!messages.isEmpty()) {
            long now = clock.millis();
            deliveries.enqueue(messages, now, now + settings.maxAge().toMillis());
            db.afterCommit(worker::wake);
        }
    }

    /** These jobs as they stand in this transaction; a job with neither endpoint nor callback makes no message. */
    private List<Ended> read(List<Moved> moved) {
        return db.sql()
                .sql(ENDED)
                .param("ids", moved.stream().map(Moved::id).toList())
                .query((rs, n) -> new Ended(
                        rs.getString("id"),
                        rs.getString("owner_id"),
                        rs.getString("type"),
                        rs.getString("state"),
                        rs.getLong("seq"),
                        rs.getInt("attempt"),
                        Rows.instant(rs, "created_at"),
                        Rows.instant(rs, "started_at"),
                        Rows.instant(rs, "finished_at"),
                        rs.getString("error_code"),
                        rs.getString("error_message"),
                        rs.getBoolean("error_retryable"),
                        Rows.nullableLong(rs, "result_size"),
                        rs.getString("reused_from"),
                        rs.getString("callback_url")))
                .list();
    }

    /**
     * {@code {type, timestamp, data}} as Standard Webhooks shapes it; {@code data} is the job as its
     * snapshot has it where it ended (id, type, state, attempt, times, error or result link, seq).
     */
    private String payload(String event, Ended job) {
        ObjectNode message = json.createObjectNode();
        message.put("type", event);
        Instant at = job.finishedAt() != null ? job.finishedAt() : Instant.ofEpochMilli(clock.millis());
        message.put("timestamp", at.toString());
        ObjectNode data = message.putObject("data");
        data.put("id", job.id());
        data.put("type", job.type());
        data.put("state", job.state());
        data.put("attempt", job.attempt());
        data.put("seq", job.seq());
        data.put("createdAt", job.createdAt().toString());
        if (job.startedAt() != null) {
            data.put("startedAt", job.startedAt().toString());
        }
        if (job.finishedAt() != null) {
            data.put("finishedAt", job.finishedAt().toString());
        }
        if (job.errorCode() != null) {
            data.putObject("error")
                    .put("code", job.errorCode())
                    .put("message", job.errorMessage())
                    .put("retryable", job.errorRetryable());
        }
        if (job.resultSize() != null) {
            data.putObject("result")
                    .put("href", "/api/v1/jobs/" + job.id() + "/result")
                    .put("size", job.resultSize());
        }
        if (job.reusedFrom() != null) {
            data.put("reusedFrom", job.reusedFrom());
        }
        return json.writeValueAsString(message);
    }
}
