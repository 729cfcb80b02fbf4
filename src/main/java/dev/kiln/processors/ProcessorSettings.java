package dev.kiln.processors;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-processor overrides of the limits a processor declares, e.g.
 * {@code kiln.processors.transcribe.concurrency=1}.
 */
@ConfigurationProperties("kiln")
public record ProcessorSettings(@DefaultValue Map<String, Override> processors) {

    /** Any field left empty keeps the processor's own value. */
    public record Override(Integer maxAttempts, Duration timeout, Integer concurrency) {}
}
