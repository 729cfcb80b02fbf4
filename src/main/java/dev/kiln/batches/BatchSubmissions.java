package dev.kiln.batches;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.JsonFields;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobRequests;
import dev.kiln.jobs.JobSettings;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.NewJob;
import dev.kiln.limits.SubmissionLimits;
import dev.kiln.support.Digests;
import dev.kiln.support.Ids;
import dev.kiln.support.Texts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Submits a batch: every item checked as a single submission is ({@link JobRequests}) before
 * anything is stored, then the batch and all its jobs in one transaction, or nothing. A batch
 * counts as one submission against the rate limit, and needs room for all of its waiting jobs
 * among the owner's at once.
 */
@Component
class BatchSubmissions {

    static final int MAX_FILES = 500;
    static final int MAX_NAME = 200;
    private static final int MAX_RACE_RETRIES = 5;

    private final JobRequests requests;
    private final JobStore jobs;
    private final BatchStore batches;
    private final SubmissionLimits limits;
    private final Database db;
    private final JsonMapper json;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration keyRetention;

    BatchSubmissions(
            JobRequests requests,
            JobStore jobs,
            BatchStore batches,
            SubmissionLimits limits,
            Database db,
            JsonMapper json,
            AuditLog audit,
            Clock clock,
            JobSettings jobSettings) {
        this.keyRetention = jobSettings.idempotencyRetention();
        this.requests = requests;
        this.jobs = jobs;
        this.batches = batches;
        this.limits = limits;
        this.db = db;
        this.json = json;
        this.audit = audit;
        this.clock = clock;
    }

    record Submitted(BatchStore.BatchRow batch, boolean replayed) {}

    /** A concurrent request with the same Idempotency-Key stored its batch first; look again. */
    private static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super(null, null, false, false);
        }
    }

    /** @param body {@code {name?, type, params?, priority?, reuse?, files: [fileId…]}} */
    Submitted submit(User user, JsonNode body, String idempotencyKey) {
        String key = JobRequests.idempotencyKey(idempotencyKey);
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField(
                    "body",
                    "The body must be a JSON object: {name?, type, params?, priority?, reuse?, files: [fileId…]}.");
        }
        JsonFields.only(body, "name", "type", "params", "priority", "reuse", "files");
        String name = name(body.get("name"));
        List<NewJob> items = items(user, body, fileIds(body.get("files")));
        String hash = requestHash(body);
        for (int attempt = 0; ; attempt++) {
            Optional<Submitted> replay = replayOf(user, key, hash);
            if (replay.isPresent()) {
                return replay.get();
            }
            limits.takeSubmission(user);
            try {
                return new Submitted(db.write(() -> store(user, name, items, key, hash)), false);
            } catch (KeyTaken e) {
                limits.giveBackSubmission(user);
                if (attempt >= MAX_RACE_RETRIES) {
                    throw new IllegalStateException("Idempotency key kept changing under us", e);
                }
            } catch (RuntimeException refused) {
                limits.giveBackSubmission(user);
                throw refused;
            }
        }
    }

    private BatchStore.BatchRow store(User user, String name, List<NewJob> items, String key, String hash) {
        BatchStore.BatchRow row = new BatchStore.BatchRow(
                Ids.next("batch"), user.id(), name, items.getFirst().type(), items.size(), clock.instant(), hash);
        if (key != null) {
            batches.forgetKey(user.id(), key, keysSince()); // remembered as long as a job's, then free again
        }
        if (!batches.insert(row, key)) {
            throw new KeyTaken();
        }
        // Jobs that take an earlier result finish at once and never wait: they need no room.
        int waiting = (int)
                items.stream().filter(job -> jobs.reuseSource(job).isEmpty()).count();
        limits.checkQueued(user.id(), waiting);
        List<Job> made = requests.submitChecked(user, items);
        batches.assign(row.id(), made.stream().map(Job::id).toList());
        audit.record(
                user, AuditAction.BATCH_SUBMITTED, "batch", row.id(), Map.of("type", row.type(), "jobs", made.size()));
        return row;
    }

    private Optional<Submitted> replayOf(User user, String key, String hash) {
        if (key == null) {
            return Optional.empty();
        }
        return batches.byKey(user.id(), key, keysSince()).map(row -> {
            if (!row.requestHash().equals(hash)) {
                throw new ApiException(
                                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                                "This Idempotency-Key was already used for a different request; use a new key for a new batch.")
                        .with("field", "Idempotency-Key");
            }
            return new Submitted(row, true);
        });
    }

    /** Keys of batches stored before this are forgotten ({@code kiln.jobs.idempotency-retention}). */
    private Instant keysSince() {
        return clock.instant().minus(keyRetention);
    }

    /**
     * Each file's job, checked as a single submission; the first bad one is named ({@code files[3]}).
     * What is wrong with the shared fields (type, params…) is wrong for every item, so it is told as such.
     */
    private List<NewJob> items(User user, JsonNode body, List<String> fileIds) {
        List<NewJob> items = new ArrayList<>(fileIds.size());
        for (int i = 0; i < fileIds.size(); i++) {
            ObjectNode request = json.createObjectNode();
            for (String shared : List.of("type", "params", "priority", "reuse")) {
                if (body.has(shared)) {
                    request.set(shared, body.get(shared));
                }
            }
            request.putObject("input").put("fileId", fileIds.get(i));
            try {
                items.add(requests.check(user, request));
            } catch (ApiException e) {
                Object field = e.properties().get("field");
                if (field instanceof String f && f.startsWith("input")) {
                    throw new ApiException(
                                    ErrorCode.INVALID_BATCH_ITEM,
                                    "files[" + i + "] (" + fileIds.get(i) + "): " + e.getMessage())
                            .with("field", "files[" + i + "]")
                            .with("index", i)
                            .with("fileId", fileIds.get(i))
                            .with("reason", e.code().code());
                }
                throw e;
            }
        }
        return items;
    }

    private static List<String> fileIds(JsonNode files) {
        if (files == null || !files.isArray() || files.isEmpty() || files.size() > MAX_FILES) {
            throw ApiException.invalidField(
                    "files", "files must be an array of 1 to " + MAX_FILES + " file ids (from an upload).");
        }
        List<String> ids = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            JsonNode id = files.get(i);
            if (!id.isString() || id.asString().isBlank()) {
                throw ApiException.invalidField("files[" + i + "]", "files[" + i + "] must be a file id.");
            }
            ids.add(id.asString());
        }
        return ids;
    }

    private static String name(JsonNode name) {
        if (name == null || name.isNull()) {
            return null;
        }
        String text = name.isString() ? Texts.wellFormed(name.asString()).strip() : "";
        if (!Texts.isOneLine(text, MAX_NAME)) {
            throw ApiException.invalidField(
                    "name", "name must be one line of 1 to " + MAX_NAME + " characters, without control characters.");
        }
        return text;
    }

    private String requestHash(JsonNode body) {
        return Digests.sha256Hex(json.writeValueAsString(body));
    }
}
