package dev.kiln.processors;

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
}
