package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.JsonFields;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.limits.SubmissionLimits;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ProcessorRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a client's job request into a {@link NewJob}: every field checked and named when wrong,
 * the input file visible to the caller and of a type the processor accepts, the params valid.
 */
@Component
public class JobRequests {

    /** Members may lower their own jobs' priority (bulk work); raising it above others' is for admins. */
    static final int MIN_PRIORITY = -100;

    static final int MAX_PRIORITY = 100;
    static final int MAX_MEMBER_PRIORITY = 0;
    private static final int MAX_KEY_LENGTH = 255;

    private final ProcessorCatalogue processors;
    private final FileCatalog files;
    private final JobStore store;
    private final SubmissionLimits limits;
    private final JsonMapper json;
    private final AuditLog audit;
    private final ReuseSettings reuse;
    private final CallbackGuard callbacks;

    JobRequests(
            ProcessorCatalogue processors,
            FileCatalog files,
            JobStore store,
            SubmissionLimits limits,
            JsonMapper json,
            AuditLog audit,
            ReuseSettings reuse,
            CallbackGuard callbacks) {
        this.audit = audit;
        this.reuse = reuse;
        this.callbacks = callbacks;
        this.processors = processors;
        this.files = files;
        this.store = store;
        this.limits = limits;
        this.json = json;
    }

    /**
     * Submits a job within the caller's limits: a repeated request (same Idempotency-Key) answers
     * the job it made and counts for nothing; a new one counts as a submission and must find room
     * among the caller's waiting jobs, or nothing is stored.
     *
     * @param body           {@code {type, input: {fileId}, params?, priority?, reuse?, callbackUrl?}}
     * @param idempotencyKey the Idempotency-Key header, or null
     */
    public JobStore.Submission submit(User user, JsonNode body, String idempotencyKey) {
        NewJob job = newJob(user, body, idempotencyKey);
        return keyChecked(() -> {
            Optional<JobStore.Submission> replay = store.replayOf(job);
            if (replay.isPresent()) {
                return replay.get();
            }
            limits.takeSubmission(user);
            JobStore.Submission submission;
            try {
                submission = store.submit(job, () -> limits.checkQueued(user.id()));
            } catch (RuntimeException refused) {
                limits.giveBackSubmission(user);
                throw refused;
            }
            if (submission.replayed()) {
                limits.giveBackSubmission(user); // a concurrent twin with the same key won
            }
            return audited(user, job, submission);
        });
    }

    /**
     * Counts, ahead of time, the job an upload will submit when its last byte arrives (see
     * {@link #submitAdmitted}): refusing it then, maybe hours later, would waste the whole upload.
     *
     * @throws ApiException {@code rate_limited} or {@code too_many_queued_jobs} (429)
     */
    public void admitUpcoming(User user) {
        limits.takeSubmission(user);
        try {
            limits.checkQueued(user.id());
        } catch (RuntimeException refused) {
            limits.giveBackSubmission(user);
            throw refused;
        }
    }

    /** Un-counts what {@link #admitUpcoming} counted when no new job came of it (refused later, or a replay). */
    public void giveBackUpcoming(User user) {
        limits.giveBackSubmission(user);
    }

    /** Submits a job that {@link #admitUpcoming} already counted: no limit refuses it now. */
    public JobStore.Submission submitAdmitted(User user, JsonNode body, String idempotencyKey) {
        return submitAdmitted(user, body, idempotencyKey, () -> {});
    }

    /**
     * As {@link #submitAdmitted}, with room among the caller's waiting jobs checked again in the
     * transaction that stores the job: for a request whose client still waits for the answer (a
     * synchronous transcription), where concurrent requests admitted together must not all get in.
     *
     * @throws ApiException {@code too_many_queued_jobs} (429)
     */
    public JobStore.Submission submitAdmittedChecked(User user, JsonNode body, String idempotencyKey) {
        return submitAdmitted(user, body, idempotencyKey, () -> limits.checkQueued(user.id()));
    }

    private JobStore.Submission submitAdmitted(User user, JsonNode body, String idempotencyKey, Runnable admit) {
        NewJob job = newJob(user, body, idempotencyKey);
        return keyChecked(() -> audited(user, job, store.submit(job, admit)));
    }

    /**
     * The answer to a submission over HTTP: 202 with the job and its Location, and
     * {@code Idempotent-Replayed: true} when an earlier request with the same key made it.
     */
    public static ResponseEntity<Job> accepted(JobStore.Submission submission) {
        ResponseEntity.BodyBuilder response = ResponseEntity.accepted()
                .location(URI.create("/api/v1/jobs/" + submission.job().id()));
        if (submission.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.body(submission.job());
    }

    /** Checks a request as {@link #submit} does, without an Idempotency-Key; stores nothing. */
    public NewJob check(User user, JsonNode body) {
        return newJob(user, body, null);
    }

    /**
     * Stores jobs {@link #check} made, inside the caller's write transaction, each audited as a
     * submission. No limit is applied here: the caller counts them (a batch is one submission, and
     * checks room for all of its waiting jobs at once).
     */
    public List<Job> submitChecked(User user, List<NewJob> jobs) {
        return jobs.stream()
                .map(job -> audited(user, job, store.submit(job)).job())
                .toList();
    }

    private JobStore.Submission audited(User user, NewJob request, JobStore.Submission submission) {
        if (!submission.replayed()) {
            Job job = submission.job();
            Map<String, Object> details = new java.util.LinkedHashMap<>();
            details.put("type", job.type());
            if (job.inputFileId() != null) {
                details.put("fileId", job.inputFileId());
            }
            if (job.reusedFrom() != null) {
                details.put("reusedFrom", job.reusedFrom());
            }
            if (request.callbackUrl() != null) {
                details.put("callbackHost", URI.create(request.callbackUrl()).getHost());
            }
            audit.record(user, AuditAction.JOB_SUBMITTED, "job", job.id(), details);
        }
        return submission;
    }

    static <T> T keyChecked(Supplier<T> submit) {
        try {
            return submit.get();
        } catch (JobStore.KeyReused e) {
            throw new ApiException(
                            ErrorCode.IDEMPOTENCY_KEY_REUSED,
                            "This Idempotency-Key was already used for a different request; use a new key for a new job.")
                    .with("field", "Idempotency-Key");
        }
    }

    private NewJob newJob(User user, JsonNode body, String idempotencyKey) {
        return prepare(user, body, idempotencyKey).job();
    }

    /** A checked request: the job it makes, its processor and its input file (null for none). */
    record Prepared(NewJob job, ProcessorRegistry.Registered processor, FileInfo file) {}

    /** Checks a request as a submission does, every field named when wrong; stores nothing. */
    Prepared prepare(User user, JsonNode body, String idempotencyKey) {
        String key = idempotencyKey(idempotencyKey);
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField(
                    "body",
                    "The body must be a JSON object: {type, input?: {fileId}, params?, priority?, reuse?, callbackUrl?}.");
        }
        JsonFields.only(body, "type", "input", "params", "priority", "reuse", "callbackUrl");
        String type = requiredString(body, "type");
        ProcessorRegistry.Registered processor = processor(type, "type");
        FileInfo file = input(user, processor, body.get("input"));
        ObjectNode params = processor.processor().params().validate(body.get("params"));
        int priority = priority(body.get("priority"), user);
        JsonNode reuseField = body.get("reuse");
        if (reuseField != null && !reuseField.isNull() && !reuseField.isBoolean()) {
            throw ApiException.invalidField(
                    "reuse", "reuse must be true or false (false: run even if an earlier job's result could serve).");
        }
        String callbackUrl = callbackUrl(body.get("callbackUrl"));
        String reuseKey = Reuse.key(json, processor.processor(), params, file == null ? null : file.sha256());
        boolean mayReuse = reuse.enabled() && reuseKey != null && (reuseField == null || reuseField.asBoolean(true));
        NewJob job = NewJob.of(
                        user.id(),
                        type,
                        file == null ? null : file.id(),
                        params,
                        priority,
                        processor.limits().maxAttempts())
                .withIdempotencyKey(key, key == null ? null : Reuse.sha256(json, body))
                .withReuse(reuseKey, mayReuse)
                .withCallback(callbackUrl);
        return new Prepared(job, processor, file);
    }

    /** The job's input file, visible to {@code user} and of a type the processor accepts; null for a processor that takes none. */
    private FileInfo input(User user, ProcessorRegistry.Registered processor, JsonNode input) {
        String type = processor.name();
        if (!processor.processor().takesInput()) {
            if (input != null && !input.isNull()) {
                throw ApiException.invalidField(
                        "input", "Processor '" + type + "' takes no input file; leave input out.");
            }
            return null;
        }
        if (input == null || input.isNull()) {
            throw ApiException.invalidField(
                    "input", "Processor '" + type + "' needs an input file: give input {\"fileId\": \"…\"}.");
        }
        if (!input.isObject()) {
            throw ApiException.invalidField("input", "input must be an object {\"fileId\": \"…\"}.");
        }
        String fileId = requiredString(input, "fileId", "input.fileId");
        FileInfo file = files.find(fileId, user)
                .orElseThrow(() -> new ApiException(ErrorCode.FILE_NOT_FOUND, "No file " + fileId + ".")
                        .with("field", "input.fileId"));
        if (!processor.processor().accepts(file.mediaType())) {
            throw new ApiException(
                            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                            "Processor '" + type + "' does not accept " + file.mediaType() + " files.")
                    .with("field", "input.fileId")
                    .with("mediaType", file.mediaType())
                    .with("accepted", processor.processor().acceptedMediaTypes());
        }
        return file;
    }

    /**
     * Checks a job request that has no input yet — {@code {type, params?, priority?}}, the job an
     * upload will start when it completes — so that a bad one is refused before any bytes are sent.
     *
     * @param field where the request came from, to name in errors (e.g. {@code Upload-Metadata})
     */
    public void checkWithoutInput(User user, JsonNode request, String field) {
        ProcessorRegistry.Registered processor = processor(request.path("type").asString(""), field);
        if (!processor.processor().takesInput()) {
            throw ApiException.invalidField(
                    field, "Processor '" + processor.name() + "' takes no input file; submit its job without one.");
        }
        processor.processor().params().validate(request.get("params"));
        priority(request.get("priority"), user);
    }

    private ProcessorRegistry.Registered processor(String type, String field) {
        return processors
                .find(type)
                .orElseThrow(() -> new ApiException(
                                ErrorCode.UNKNOWN_PROCESSOR, "There is no processor named '" + type + "'.")
                        .with("field", field)
                        .with(
                                "known",
                                processors.all().stream()
                                        .map(ProcessorRegistry.Registered::name)
                                        .toList()));
    }

    /** The checked callback URL, or null for none. */
    private String callbackUrl(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ApiException.invalidField("callbackUrl", "callbackUrl must be an http or https URL.");
        }
        return callbacks.check("callbackUrl", value.asString());
    }

    private static String requiredString(JsonNode node, String field) {
        return requiredString(node, field, field);
    }

    private static String requiredString(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.invalidField(path, path + " is required.");
        }
        if (!value.isString() || value.asString().isBlank()) {
            throw ApiException.invalidField(path, path + " must be a non-empty string.");
        }
        return value.asString();
    }

    private static int priority(JsonNode value, User user) {
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber()
                || !value.canConvertToInt()
                || value.asInt() < MIN_PRIORITY
                || value.asInt() > MAX_PRIORITY) {
            throw ApiException.invalidField(
                    "priority", "priority must be an integer from " + MIN_PRIORITY + " to " + MAX_PRIORITY + ".");
        }
        if (value.asInt() > MAX_MEMBER_PRIORITY && !user.isAdmin()) {
            throw ApiException.invalidField(
                    "priority",
                    "Only admins may raise priority above " + MAX_MEMBER_PRIORITY
                            + "; use a negative priority for bulk work.");
        }
        return value.asInt();
    }

    /**
     * An {@code Idempotency-Key} header as sent (null: none), checked: 1 to {@value #MAX_KEY_LENGTH}
     * visible ASCII characters. For every submission that takes one (single jobs and batches).
     *
     * @throws ApiException {@code invalid_field} naming the header
     */
    public static String idempotencyKey(String key) {
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiException.invalidField(
                    "Idempotency-Key", "Idempotency-Key must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters.");
        }
        return key;
    }
}
