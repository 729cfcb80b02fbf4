package dev.kiln.api;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** Checks on the fields of a JSON object a client sent. */
public final class JsonFields {

    private JsonFields() {}

    /** Refuses, naming it, the first field of {@code object} that is not one of {@code known}: a typo must not be ignored. */
    public static void only(JsonNode object, String... known) {
        List<String> expected = List.of(known);
        for (String field : object.propertyNames()) {
            if (!expected.contains(field)) {
                throw ApiException.invalidField(
                        field, "Unknown field '" + field + "'; expected " + String.join(", ", known) + ".");
            }
        }
    }
}
