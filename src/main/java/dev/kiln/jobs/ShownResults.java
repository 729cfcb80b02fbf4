package dev.kiln.jobs;

import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ResultShape;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A succeeded job's transcript or document as its owner left it (edits applied), read for features
 * that work on every user's results in the background (the search index), not for a caller: no
 * viewer check here, so what it returns must never be answered to a request as it is.
 */
@Component
public class ShownResults {

    private final JobStore store;
    private final ProcessorCatalogue processors;
    private final ResultEdits edits;
    private final JsonMapper json;

    ShownResults(JobStore store, ProcessorCatalogue processors, ResultEdits edits, JsonMapper json) {
        this.store = store;
        this.processors = processors;
        this.edits = edits;
        this.json = json;
    }

    /** A job's shown result and its shape; {@code result} has {@code segments}, each with its {@code id}. */
    public record Shown(Job job, ResultShape shape, JsonNode result) {}

    /**
     * Empty when the job is gone, has not succeeded, has no stored result, or its processor's results
     * have no standard shape (or its processor is no longer known).
     */
    public Optional<Shown> of(String jobId) {
        Optional<Job> found = store.findById(jobId).filter(j -> j.state() == JobState.SUCCEEDED);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Job job = found.get();
        ResultShape shape = ResultController.shape(processors, job.type());
        if (shape == null) {
            return Optional.empty();
        }
        return store.resultById(jobId)
                .map(body ->
                        new Shown(job, shape, ResultEdits.apply(json.readTree(body), shape, edits.current(jobId))));
    }

    /** Whether results of jobs of this type have a standard shape (known processors only). */
    public boolean shaped(String type) {
        return ResultController.shape(processors, type) != null;
    }
}
