package dev.kiln.processors;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Parameters described by a JSON Schema document, as external workers declare them: checked
 * against the draft 2020-12 meta-schema when declared, and every submission validated against it.
 * A schema may only point inside itself: a {@code $ref} to a URL would have Kiln fetch it.
 */
public final class JsonSchemaParams implements ParamsSchema {

    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Schema META =
            REGISTRY.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
    private static final List<String> POINTERS = List.of("$ref", "$dynamicRef", "$recursiveRef");

    private final JsonNode document;
    private final Schema schema;
    private final JsonMapper json;

    private JsonSchemaParams(JsonNode document, JsonMapper json) {
        this.document = document;
        this.schema = REGISTRY.getSchema(document);
        this.json = json;
    }

    /** A bad schema: what is wrong with it, for the worker that sent it. */
    public static final class InvalidSchema extends RuntimeException {
        InvalidSchema(String message) {
            super(message);
        }
    }

    /**
     * @throws InvalidSchema when {@code document} is not an object schema of draft 2020-12, or points
     *                       outside itself
     */
    public static JsonSchemaParams of(JsonNode document, JsonMapper json) {
        if (document == null || !document.isObject()) {
            throw new InvalidSchema("params must be a JSON Schema object");
        }
        JsonNode dialect = document.get("$schema");
        if (dialect != null && !dialect.asString("").equals(SpecificationVersion.DRAFT_2020_12.getDialectId())) {
            throw new InvalidSchema("only JSON Schema draft 2020-12 is supported ($schema "
                    + SpecificationVersion.DRAFT_2020_12.getDialectId() + ")");
        }
        List<Error> errors = META.validate(document);
        if (!errors.isEmpty()) {
            throw new InvalidSchema(
                    "params is not a valid JSON Schema: " + errors.getFirst().getMessage());
        }
        outsidePointer(document).ifPresent(pointer -> {
            throw new InvalidSchema("params may only refer inside itself (\"#…\"), not to " + pointer);
        });
        JsonNode type = document.get("type");
        if (type != null && !type.asString("").equals("object")) {
            throw new InvalidSchema("params must describe a JSON object (\"type\": \"object\")");
        }
        try {
            return new JsonSchemaParams(document, json);
        } catch (RuntimeException e) {
            throw new InvalidSchema("params is not a usable JSON Schema: " + e.getMessage());
        }
    }

    private static Optional<String> outsidePointer(JsonNode node) {
        if (node.isObject()) {
            for (String key : POINTERS) {
                JsonNode ref = node.get(key);
                if (ref != null && !ref.asString("").startsWith("#")) {
                    return Optional.of(ref.asString(ref.toString()));
                }
            }
        }
        for (JsonNode child : node.values()) {
            Optional<String> found = outsidePointer(child);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    @Override
    public ObjectNode validate(JsonNode input) {
        JsonNode params = input == null || input.isNull() ? json.createObjectNode() : input;
        if (!params.isObject()) {
            throw new InvalidParams(List.of(new FieldError("params", "must be a JSON object")));
        }
        List<Error> errors = schema.validate(params);
        if (!errors.isEmpty()) {
            List<FieldError> fields = new ArrayList<>();
            for (Error error : errors) {
                fields.add(new FieldError(field(error), error.getMessage()));
            }
            throw new InvalidParams(fields);
        }
        return (ObjectNode) params;
    }

    /** Where the error is, as Kiln names fields: {@code params.lineup[2].id}; a missing property is named too. */
    private static String field(Error error) {
        StringBuilder field = new StringBuilder("params");
        NodePath at = error.getInstanceLocation();
        for (int i = 0; i < at.getNameCount(); i++) {
            Object element = at.getElement(i);
            field.append(element instanceof Integer index ? "[" + index + "]" : "." + element);
        }
        if (error.getProperty() != null && "required".equals(error.getKeyword())) {
            field.append('.').append(error.getProperty());
        }
        return field.toString();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> jsonSchema() {
        return json.convertValue(document, Map.class);
    }
}
