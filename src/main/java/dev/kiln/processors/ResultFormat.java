package dev.kiln.processors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * One way a processor's stored result can be downloaded besides its JSON, e.g. a transcript as
 * SRT: {@code GET /api/v1/jobs/{id}/result?format=srt}.
 *
 * @param name      the {@code format} value, lowercase
 * @param mediaType what the rendering is, with its charset
 * @param render    turns the stored result document into the download
 */
public record ResultFormat(String name, String mediaType, Function<JsonNode, String> render) {

    /** What a client may ask for: json, which every result has, then the processor's own. */
    public static List<String> namesFor(Processor processor) {
        List<String> names = new ArrayList<>(List.of("json"));
        processor.resultFormats().forEach(f -> names.add(f.name()));
        return names;
    }
}
