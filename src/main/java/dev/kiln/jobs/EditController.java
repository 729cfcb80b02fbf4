package dev.kiln.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ResultShape;
import dev.kiln.support.Texts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The owner's corrections to a finished transcript or document, segment by segment ({@link
 * ResultEdits}): {@code PATCH /api/v1/jobs/{id}/result}, and a segment's revisions ({@code GET
 * /api/v1/jobs/{id}/result/segments/{segment}/revisions}).
 */
@RestController
@RequestMapping("/api/v1/jobs/{id}")
class EditController {

    static final int MAX_EDITS = 1_000;

    private static final Set<String> FIELDS = Set.of("segment", "version", "text", "speaker", "restore");

    private final JobStore store;
    private final ProcessorCatalogue processors;
    private final ResultEdits edits;
    private final JsonMapper json;
    private final AuditLog audit;

    EditController(JobStore store, ProcessorCatalogue processors, ResultEdits edits, JsonMapper json, AuditLog audit) {
        this.store = store;
        this.processors = processors;
        this.edits = edits;
        this.json = json;
        this.audit = audit;
    }

    record Edited(List<JsonNode> segments) {}

    /**
     * {@code {"edits": [{"segment": 3, "version": 0, "text": "…", "speaker"?: "…"} | {"segment": 3,
     * "version": 2, "restore": true}]}}: all stored, or none when one segment moved on since its
     * {@code version} ({@code edit_conflict}). Answers the edited segments as the result now shows them.
     */
    @PatchMapping(path = "/result", consumes = MediaType.APPLICATION_JSON_VALUE)
    Edited edit(@AuthenticationPrincipal User user, @PathVariable String id, @RequestBody JsonNode body) {
        Job job = store.find(id, user).orElseThrow(() -> JobController.notFound(id));
        List<ResultEdits.Edit> asked = parse(body);
        Editable editable = editable(job);
        JsonNode result = editable.result();
        ResultShape shape = editable.shape();
        var current = edits.edit(job, user, result, shape, asked);
        JsonNode shown = ResultEdits.apply(result, shape, current);
        List<JsonNode> segments = new ArrayList<>();
        asked.forEach(e -> segments.add(shown.path("segments").get(e.segment())));
        audit.record(
                user,
                AuditAction.RESULT_EDITED,
                "job",
                id,
                Map.of("segments", asked.stream().map(ResultEdits.Edit::segment).toList()));
        return new Edited(segments);
    }

    /** Who made a revision. */
    record Editor(String id, String name) {}

    /**
     * A segment as it read at one version: its text and speaker then (the engine's where a revision
     * kept them), {@code edited} false where both are the engine's (version 0, a restore), by whom
     * and when (version 0: when the job finished).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Revision(int version, String text, String speaker, boolean edited, Editor by, Instant at) {}

    /** {@code current} is the version a restore is sent with. */
    record History(int segment, int current, List<Revision> revisions) {}

    /** Every revision of one segment, oldest first: from these the web app restores an earlier one (by PATCH). */
    @GetMapping(path = "/result/segments/{segment}/revisions", produces = MediaType.APPLICATION_JSON_VALUE)
    History history(@AuthenticationPrincipal User user, @PathVariable String id, @PathVariable String segment) {
        Job job = store.find(id, user).orElseThrow(() -> JobController.notFound(id));
        JsonNode segments = editable(job).result().path("segments");
        int index = segment.matches("[0-9]{1,9}") ? Integer.parseInt(segment) : -1;
        if (index < 0 || index >= segments.size()) {
            throw ApiException.invalidField(
                            "segment",
                            "No segment " + segment + "; this result's segments are 0 to " + (segments.size() - 1)
                                    + ".")
                    .with("segments", segments.size());
        }
        JsonNode engine = segments.get(index);
        String text = engine.path("text").asString(null);
        String speaker = engine.path("speaker").asString(null);
        List<Revision> revisions = new ArrayList<>();
        revisions.add(new Revision(0, text, speaker, false, null, job.finishedAt()));
        for (ResultEdits.Stored stored : edits.history(id, index)) {
            revisions.add(new Revision(
                    stored.version(),
                    stored.text() == null ? text : stored.text(),
                    stored.speaker() == null ? speaker : stored.speaker(),
                    stored.text() != null || stored.speaker() != null,
                    new Editor(stored.editedBy(), stored.editorName()),
                    Instant.ofEpochMilli(stored.editedAt())));
        }
        return new History(index, revisions.getLast().version(), revisions);
    }

    /** A finished job's stored result and its shape; refused when it has not finished or is no transcript or document. */
    private record Editable(JsonNode result, ResultShape shape) {}

    private Editable editable(Job job) {
        String id = job.id();
        if (!job.state().isFinal()) {
            throw new ApiException(
                            ErrorCode.JOB_NOT_FINISHED,
                            "Job " + id + " is " + job.state().wire() + "; its result can be edited once it has"
                                    + " finished.")
                    .with("state", job.state().wire());
        }
        ResultShape shape = ResultController.shape(processors, job.type());
        JsonNode result = json.readTree(ResultController.stored(store, job));
        if (shape == null) {
            throw new ApiException(
                    ErrorCode.RESULT_NOT_EDITABLE,
                    "A " + job.type() + " result is neither a transcript nor a document; it cannot be edited.");
        }
        return new Editable(result, shape);
    }

    private static List<ResultEdits.Edit> parse(JsonNode body) {
        if (body == null
                || !body.isObject()
                || body.size() != 1
                || !body.path("edits").isArray()) {
            throw ApiException.invalidField(
                    "edits", "The body must be {\"edits\": [{\"segment\": 0, \"version\": 0, \"text\": \"…\"}, …]}.");
        }
        JsonNode list = body.get("edits");
        if (list.isEmpty() || list.size() > MAX_EDITS) {
            throw ApiException.invalidField("edits", "Send 1 to " + MAX_EDITS + " edits at a time.")
                    .with("max", MAX_EDITS);
        }
        List<ResultEdits.Edit> edits = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            edits.add(parse(list.get(i), "edits[" + i + "]"));
        }
        return edits;
    }

    private static ResultEdits.Edit parse(JsonNode edit, String field) {
        if (!edit.isObject()) {
            throw ApiException.invalidField(field, "An edit is {\"segment\", \"version\", \"text\"?, \"speaker\"?}.");
        }
        for (String name : edit.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw ApiException.invalidField(field + "." + name, "An edit has no field '" + name + "'.");
            }
        }
        int segment = count(edit.get("segment"), field + ".segment");
        int version = count(edit.get("version"), field + ".version");
        JsonNode text = edit.get("text");
        if (text != null && !text.isString()) {
            throw ApiException.invalidField(field + ".text", "text is the segment's new text.");
        }
        String speaker = speaker(edit.get("speaker"), field + ".speaker");
        JsonNode restore = edit.get("restore");
        if (restore != null && !restore.isBoolean()) {
            throw ApiException.invalidField(field + ".restore", "restore is true or false.");
        }
        boolean restoring = restore != null && restore.asBoolean();
        if (restoring == (text != null || speaker != null)) {
            throw ApiException.invalidField(
                    field, "An edit gives a text, a speaker or both; or it restores the original (restore: true).");
        }
        return new ResultEdits.Edit(segment, version, text(text, field + ".text"), speaker, restoring);
    }

    /** Text to store: lone surrogates replaced (as everywhere), control characters but newlines and tabs refused. */
    private static String text(JsonNode value, String field) {
        if (value == null) {
            return null;
        }
        String text = Texts.wellFormed(value.asString());
        if (text.length() <= ResultEdits.MAX_TEXT
                && !Texts.safe(text, ResultEdits.MAX_TEXT).equals(text)) {
            throw ApiException.invalidField(field, "Text may hold newlines and tabs but no other control characters.");
        }
        return text;
    }

    private static int count(JsonNode value, String field) {
        if (value == null || !value.isInt() || value.asInt() < 0) {
            throw ApiException.invalidField(field, field.replaceAll(".*\\.", "") + " is a whole number from 0.");
        }
        return value.asInt();
    }

    private static String speaker(JsonNode value, String field) {
        if (value == null) {
            return null;
        }
        String speaker = Texts.wellFormed(value.asString("")).strip();
        if (!value.isString() || !Texts.isOneLine(speaker, ResultEdits.MAX_SPEAKER)) {
            throw ApiException.invalidField(
                    field, "A speaker is text of 1 to " + ResultEdits.MAX_SPEAKER + " characters.");
        }
        return speaker;
    }
}
