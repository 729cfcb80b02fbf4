package dev.kiln.processors;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A processor's parameters: validates what clients send (naming each bad field) and describes
 * itself as JSON Schema for clients that build forms. Built-in processors list their parameters in
 * Java ({@link #of}); external workers send a JSON Schema ({@link JsonSchemaParams}).
 */
public interface ParamsSchema {

    static ParamsSchema of(Param... params) {
        return new ParamList(List.of(params));
    }

    record FieldError(String field, String message) {}

    /**
     * @param input the client's {@code params} (null or missing means none)
     * @return the parameters, with defaults filled in where the schema has them
     * @throws InvalidParams listing every bad field
     */
    ObjectNode validate(JsonNode input);

    /** JSON Schema (draft 2020-12) of these parameters. */
    Map<String, Object> jsonSchema();
}
