package dev.kiln.testing;

import dev.kiln.processors.InputFile;
import dev.kiln.processors.JobContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link JobContext} for running one processor directly in a test: it records every progress
 * report and partial result, and can be cancelled.
 */
public final class RecordingContext implements JobContext {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public record Report(double fraction, String stage, Duration remaining) {
    }

    private final InputFile input;
    private final JsonNode params;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<JsonNode> partials = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    /** @param params as the processor's schema validated them (defaults filled in) */
    public RecordingContext(Path file, String mediaType, JsonNode params) {
        try {
            this.input = new InputFile("file_test", mediaType, Files.size(file), file.getFileName().toString(), file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.params = params;
    }

    public List<Report> reports() {
        return reports;
    }

    public List<JsonNode> partials() {
        return partials;
    }

    public void cancel() {
        cancelled = true;
    }

    @Override
    public String jobId() {
        return "job_test";
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public InputFile input() {
        return input;
    }

    @Override
    public JsonNode params() {
        return params;
    }

    @Override
    public void progress(double fraction, String stage, Duration remaining) {
        reports.add(new Report(fraction, stage, remaining));
    }

    @Override
    public void emit(Object partial) {
        partials.add(JSON.valueToTree(partial));
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public Logger log() {
        return LoggerFactory.getLogger("job_test");
    }
}
