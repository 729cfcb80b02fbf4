package dev.kiln.support;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Credentials that reach a JSON log line anyway — in a message, an exception, an MDC field — are masked. */
class RedactingLogCustomizerTest {

    private static final String TOKEN = "kiln_" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst";

    @Test
    void everyStringOfAnEcsLineIsRedacted() {
        LoggerContext context = context();
        LoggingEvent event = new LoggingEvent(
                getClass().getName(),
                context.getLogger("test"),
                Level.WARN,
                "Rejected Authorization: Bearer {} from {}",
                new IllegalStateException("cannot connect to jdbc:postgresql://kiln:s3cret@db/kiln?password=s3cret"),
                new Object[] {"my-own-admin-token", "10.0.0.1"});
        event.setMDCPropertyMap(Map.of("requestId", "r-1", "leaked", TOKEN));

        String line = encode(context, event);
        JsonNode json = JsonMapper.builder().build().readTree(line);

        assertThat(line)
                .doesNotContain("my-own-admin-token")
                .doesNotContain(TOKEN)
                .doesNotContain("s3cret");
        assertThat(json.get("message").asString()).isEqualTo("Rejected Authorization: [redacted]");
        assertThat(json.get("leaked").asString()).isEqualTo("kiln_[redacted]");
        assertThat(json.get("requestId").asString()).isEqualTo("r-1");
        assertThat(json.at("/error/message").asString()).contains("//kiln:[redacted]@db/kiln?password=[redacted]");
    }

    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.putObject(
                Environment.class.getName(),
                new MockEnvironment()
                        .withProperty("logging.structured.json.customizer", RedactingLogCustomizer.class.getName()));
        return context;
    }

    private static String encode(LoggerContext context, LoggingEvent event) {
        StructuredLogEncoder encoder = new StructuredLogEncoder();
        encoder.setContext(context);
        encoder.setFormat("ecs");
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }
}
