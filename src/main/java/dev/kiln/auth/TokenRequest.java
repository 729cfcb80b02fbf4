package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.JsonFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import tools.jackson.databind.JsonNode;

/** A request for a new token: {@code {label?, expiresAt?}}, every field checked and named when wrong. */
record TokenRequest(String label, Instant expiresAt) {

    private static final int MAX_LABEL = 100;
    private static final Duration MAX_LIFETIME = Duration.ofDays(3660);

    static TokenRequest parse(JsonNode body, Clock clock) {
        if (body != null && !body.isNull() && !body.isObject()) {
            throw ApiException.invalidField("body", "The body must be a JSON object {label?, expiresAt?}.");
        }
        if (body != null && body.isObject()) {
            JsonFields.only(body, "label", "expiresAt");
        }
        JsonNode label = body == null ? null : body.get("label");
        String name = "API token";
        if (label != null && !label.isNull()) {
            if (!label.isString()
                    || label.asString().isBlank()
                    || label.asString().length() > MAX_LABEL
                    || label.asString().chars().anyMatch(Character::isISOControl)) {
                throw ApiException.invalidField("label", "label must be 1 to " + MAX_LABEL + " printable characters.");
            }
            name = label.asString().strip();
        }
        JsonNode expires = body == null ? null : body.get("expiresAt");
        Instant expiresAt = null;
        if (expires != null && !expires.isNull()) {
            try {
                expiresAt = expires.isString() ? Instant.parse(expires.asString()) : null;
            } catch (DateTimeParseException e) {
                expiresAt = null;
            }
            Instant now = clock.instant();
            if (expiresAt == null || !expiresAt.isAfter(now) || expiresAt.isAfter(now.plus(MAX_LIFETIME))) {
                throw ApiException.invalidField(
                        "expiresAt",
                        "expiresAt must be a future UTC time such as "
                                + "\"2027-01-31T00:00:00Z\", at most ten years ahead; leave it out for a token that does not expire.");
            }
        }
        return new TokenRequest(name, expiresAt);
    }
}
