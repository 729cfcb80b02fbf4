package dev.kiln.processors;

import java.util.List;
import java.util.Map;

/** A processor as clients see it in {@code GET /api/v1/processors}. */
public record ProcessorDescription(
        String name,
        String description,
        List<String> accepts,
        Map<String, Object> params,
        Limits limits,
        List<String> resultFormats,
        ResultShape shape,
        String version,
        boolean reusable,
        Map<String, Object> details) {

    public record Limits(int maxAttempts, long timeoutSeconds, int concurrency) {}

    public static ProcessorDescription of(ProcessorRegistry.Registered r) {
        return new ProcessorDescription(
                r.name(),
                r.processor().description(),
                r.processor().acceptedMediaTypes(),
                r.processor().params().jsonSchema(),
                new Limits(
                        r.limits().maxAttempts(),
                        r.limits().timeout().toSeconds(),
                        r.limits().concurrency()),
                ResultFormat.namesFor(r.processor()),
                r.processor().shape(),
                r.processor().version(),
                r.processor().reusable(),
                r.processor().details());
    }
}
