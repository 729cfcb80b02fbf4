package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ResultFormat;
import dev.kiln.processors.ResultShape;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A finished job's result: as JSON or one of its processor's downloads, and the owner's edits to it. */
@RestController
@RequestMapping("/api/v1/jobs/{id}")
class ResultController {

    private final JobStore store;
    private final ProcessorCatalogue processors;
    private final SpeakerNames speakerNames;
    private final ResultEdits edits;
    private final JsonMapper json;
    private final AuditLog audit;
    private final ResultRenderer renderer;

    ResultController(
            JobStore store,
            ProcessorCatalogue processors,
            SpeakerNames speakerNames,
            ResultEdits edits,
            JsonMapper json,
            AuditLog audit,
            ResultRenderer renderer) {
        this.renderer = renderer;
        this.store = store;
        this.processors = processors;
        this.speakerNames = speakerNames;
        this.edits = edits;
        this.json = json;
        this.audit = audit;
    }

    /**
     * The stored result as JSON, or rendered in one of the processor's {@link ResultFormat}s; with
     * the speakers' names, when its owner gave them, as {@code speakerNames}, and the owner's edits to
     * its segments ({@link ResultEdits}) unless {@code original=true}.
     */
    @GetMapping("/result")
    ResponseEntity<String> result(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(name = "format", required = false) String requested,
            @RequestParam(name = "original", defaultValue = "false") boolean original) {
        // Not a default value: Spring would turn "format=" into it, and an empty format is a mistake.
        String format = requested == null ? "json" : requested;
        Job job = store.find(id, user).orElseThrow(() -> JobController.notFound(id));
        renderer.checkFormat(job.type(), format);
        ResultRenderer.Rendered rendered = renderer.render(job, format, original);
        audit.record(user, AuditAction.RESULT_DOWNLOADED, "job", id, Map.of("format", format));
        if (rendered.mediaType().equals(MediaType.APPLICATION_JSON_VALUE)) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(rendered.body());
        }
        // Text renderings (captions, transcripts) show in a tab; sandboxed, like file content, in case a browser
        // renders one.
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(rendered.mediaType()))
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.inline()
                                .filename(id + "." + format)
                                .build()
                                .toString())
                .header("Content-Security-Policy", "default-src 'none'; sandbox")
                .body(rendered.body());
    }

    record Names(ObjectNode names) {}

    /** Names a transcript's speakers ({@code {"names": {"SPEAKER_00": "Ana"}}}); the engine's ids stay in the result. */
    @PutMapping(path = "/speakers", consumes = MediaType.APPLICATION_JSON_VALUE)
    Names speakers(@AuthenticationPrincipal User user, @PathVariable String id, @RequestBody JsonNode body) {
        Job job = store.find(id, user).orElseThrow(() -> JobController.notFound(id));
        if (body == null || !body.isObject() || body.size() != 1 || !body.has("names")) {
            throw ApiException.invalidField("names", "The body must be {\"names\": {\"SPEAKER_00\": \"Ana\", …}}.");
        }
        if (job.state() != JobState.SUCCEEDED) {
            throw new ApiException(
                    ErrorCode.NO_SPEAKERS,
                    "Job " + id + " is " + job.state().wire() + "; only a finished transcript has speakers.");
        }
        // Speakers the owner gave segments count too.
        JsonNode edited =
                ResultEdits.apply(json.readTree(stored(store, job)), shape(processors, job.type()), edits.current(id));
        ObjectNode names = speakerNames.rename(id, edited, body.get("names"));
        audit.record(user, AuditAction.SPEAKERS_RENAMED, "job", id);
        return new Names(names);
    }

    /** The shape of the results of processor {@code type}; null when they have none (or the processor is gone). */
    static ResultShape shape(ProcessorCatalogue processors, String type) {
        return processors.find(type).map(r -> r.processor().shape()).orElse(null);
    }

    /**
     * The stored result of {@code job}, which the caller already found for its viewer (or through a
     * batch the viewer may see): the body only, the job is not read again.
     */
    static String stored(JobStore store, Job job) {
        return store.resultById(job.id())
                .orElseThrow(() -> new ApiException(
                                ErrorCode.RESULT_NOT_FOUND,
                                "Job " + job.id() + " is " + job.state().wire() + " and has no result.")
                        .with("state", job.state().wire()));
    }
}
