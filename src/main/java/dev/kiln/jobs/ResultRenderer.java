package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.processors.ResultFormat;
import dev.kiln.processors.ResultShape;
import dev.kiln.support.Texts;
import java.util.List;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A finished job's result as its owner left it (their edits and speaker names applied), as JSON or
 * rendered in one of its processor's {@link ResultFormat}s: the one place a result is shown, for a
 * single download and for a batch's zip alike.
 */
@Component
public class ResultRenderer {

    private final JobStore store;
    private final ProcessorCatalogue processors;
    private final SpeakerNames speakerNames;
    private final ResultEdits edits;
    private final JsonMapper json;

    ResultRenderer(
            JobStore store,
            ProcessorCatalogue processors,
            SpeakerNames speakerNames,
            ResultEdits edits,
            JsonMapper json) {
        this.store = store;
        this.processors = processors;
        this.speakerNames = speakerNames;
        this.edits = edits;
        this.json = json;
    }

    /** A rendered result: its text, what it is, and the extension a file of it takes. */
    public record Rendered(String body, String mediaType, String extension) {}

    /**
     * Checks that results of processor {@code type} come in {@code format} ({@code json} or one of
     * the processor's own).
     *
     * @throws ApiException {@code unknown_format} naming the available ones
     */
    public void checkFormat(String type, String format) {
        if (!format.equals("json") && rendering(type, format).isEmpty()) {
            List<String> available = processor(type).map(ResultFormat::namesFor).orElse(List.of("json"));
            throw new ApiException(
                            ErrorCode.UNKNOWN_FORMAT,
                            "A " + type + " result is available as " + String.join(", ", available) + "; not as '"
                                    + Texts.safe(format, 40) + "'.")
                    .with("field", "format")
                    .with("available", available);
        }
    }

    /**
     * {@code job}'s result in {@code format}, which {@link #checkFormat} accepted; the engine's
     * original when {@code original}. The caller has checked that its viewer may see the job.
     *
     * @throws ApiException {@code result_not_found} when the job has none
     */
    public Rendered render(Job job, String format, boolean original) {
        String stored = ResultController.stored(store, job);
        Optional<ResultFormat> rendering = rendering(job.type(), format);
        ResultShape shape = ResultController.shape(processors, job.type());
        Optional<ObjectNode> names = speakerNames.of(job.id());
        if (rendering.isEmpty() && names.isEmpty() && shape == null) {
            return new Rendered(stored, MediaType.APPLICATION_JSON_VALUE, "json");
        }
        JsonNode edited = original
                ? json.readTree(stored)
                : ResultEdits.apply(json.readTree(stored), shape, edits.current(job.id()));
        JsonNode shown = SpeakerNames.withNames(edited, names);
        if (rendering.isEmpty()) {
            return new Rendered(json.writeValueAsString(shown), MediaType.APPLICATION_JSON_VALUE, "json");
        }
        ResultFormat f = rendering.get();
        return new Rendered(f.render().apply(shown), f.mediaType(), f.name());
    }

    private Optional<Processor> processor(String type) {
        return processors.find(type).map(ProcessorRegistry.Registered::processor);
    }

    private Optional<ResultFormat> rendering(String type, String format) {
        return processor(type).stream()
                .flatMap(p -> p.resultFormats().stream())
                .filter(f -> f.name().equals(format))
                .findFirst();
    }
}
