package dev.kiln.support;

import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;

/**
 * The last line of defence for structured (JSON) logs: every string value — the message, a stack
 * trace, an MDC field — has credentials masked before it is written. Kiln does not log secrets on
 * purpose; this catches the ones a library or an exception message carries along. Named in
 * {@code logging.structured.json.customizer}.
 */
public class RedactingLogCustomizer implements StructuredLoggingJsonMembersCustomizer<Object> {

    @Override
    public void customize(JsonWriter.Members<Object> members) {
        members.applyingValueProcessor(JsonWriter.ValueProcessor.of(String.class, Secrets::redact));
    }
}
