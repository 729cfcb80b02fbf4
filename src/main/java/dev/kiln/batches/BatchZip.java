package dev.kiln.batches;

import dev.kiln.api.ApiException;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.ResultRenderer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A batch's results as one zip, written straight to the response: one entry per succeeded job in
 * the chosen format, named after its input file (made unique), rendered one at a time (never the
 * whole zip in memory), and {@value #MANIFEST} listing every job and what became of it.
 */
@Component
class BatchZip {

    static final String MANIFEST = "manifest.json";

    private final ResultRenderer renderer;
    private final JsonMapper json;

    BatchZip(ResultRenderer renderer, JsonMapper json) {
        this.renderer = renderer;
        this.json = json;
    }

    void checkFormat(BatchStore.BatchRow batch, String format) {
        renderer.checkFormat(batch.type(), format);
    }

    static String zipName(BatchStore.BatchRow batch, String format) {
        String base = batch.name() == null ? batch.id() : safe(batch.name());
        return base + "-" + format + ".zip";
    }

    void write(BatchStore.BatchRow batch, List<Job> jobs, String format, OutputStream out) throws IOException {
        ObjectNode manifest = json.createObjectNode()
                .put("batch", batch.id())
                .put("type", batch.type())
                .put("format", format);
        if (batch.name() != null) {
            manifest.put("name", batch.name());
        }
        ArrayNode rows = manifest.putArray("jobs");
        Set<String> taken = new HashSet<>(Set.of(MANIFEST));
        try (ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
            for (Job job : jobs) {
                ObjectNode row = rows.addObject().put("job", job.id()).put("state", job.stateName());
                Job.Input input = job.input();
                if (input != null && input.name() != null) {
                    row.put("file", input.name());
                }
                if (job.state() != JobState.SUCCEEDED) {
                    String error = BatchView.shownError(job);
                    if (error != null) {
                        row.put("error", error);
                    }
                    continue;
                }
                ResultRenderer.Rendered rendered;
                try {
                    rendered = renderer.render(job, format, false);
                } catch (ApiException gone) { // its result was deleted since
                    row.put("error", gone.code().code());
                    continue;
                }
                String entry = unique(entryBase(job), rendered.extension(), taken);
                row.put("entry", entry);
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(rendered.body().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            zip.closeEntry();
        }
    }

    /** The input file's name without its extension; the job's id for a job without one. */
    private static String entryBase(Job job) {
        Job.Input input = job.input();
        String name = input == null || input.name() == null ? job.id() : safe(input.name());
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** {@code base.ext}, or {@code base (2).ext} and so on when an earlier entry has that name. */
    static String unique(String base, String extension, Set<String> taken) {
        String name = base + "." + extension;
        for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
            name = base + " (" + n + ")." + extension;
        }
        return name;
    }

    /** Stored names are display names already (no paths); this keeps them harmless on every unzip tool. */
    static String safe(String name) {
        String cleaned = name.replaceAll("[\\\\/:*?\"<>|\\p{Cntrl}]", "_").strip();
        return cleaned.isEmpty() || cleaned.chars().allMatch(c -> c == '.') ? "file" : cleaned;
    }
}
