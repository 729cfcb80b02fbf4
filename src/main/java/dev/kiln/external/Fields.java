package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.JsonFields;
import dev.kiln.jobs.JobError;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Reading a worker's JSON body: every field checked, and named when wrong. */
final class Fields {

    private static final Pattern CODE = Pattern.compile("[a-z0-9_.-]{1,64}");

    private Fields() {}

    /** A worker's failure: {@code code} (its own, {@code [a-z0-9_.-]}), {@code message}, {@code retryable?}. */
    static JobError failure(JsonNode body) {
        String code = string(body, "code", 64, true);
        if (!CODE.matcher(code).matches()) {
            throw ApiException.invalidField("code", "code must be 1 to 64 of a-z, 0-9, '_', '.' and '-'.");
        }
        return new JobError(code, string(body, "message", 2000, true), bool(body, "retryable", true));
    }

    /** The body, an object with only {@code known} fields. */
    static JsonNode object(JsonNode body, String shape, String... known) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField("body", "The body must be a JSON object: " + shape + ".");
        }
        JsonFields.only(body, known);
        return body;
    }

    /** A string of 1 to {@code max} characters, or null when absent and not {@code required}. */
    static String string(JsonNode body, String field, int max, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.invalidField(field, field + " is required.");
            }
            return null;
        }
        if (!value.isString() || value.asString().isEmpty() || value.asString().length() > max) {
            throw ApiException.invalidField(field, field + " must be a string of 1 to " + max + " characters.");
        }
        return value.asString();
    }

    static long integer(JsonNode body, String field, long min, long max, long absent) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
            throw ApiException.invalidField(field, field + " must be an integer from " + min + " to " + max + ".");
        }
        return value.asLong();
    }

    static Double number(JsonNode body, String field, double min, double max, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.invalidField(field, field + " is required.");
            }
            return null;
        }
        if (!value.isNumber() || !(value.asDouble() >= min && value.asDouble() <= max)) {
            throw ApiException.invalidField(field, field + " must be a number from " + min + " to " + max + ".");
        }
        return value.asDouble();
    }

    static boolean bool(JsonNode body, String field, boolean absent) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw ApiException.invalidField(field, field + " must be true or false.");
        }
        return value.asBoolean();
    }
}
