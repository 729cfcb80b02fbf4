package dev.kiln.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Bounds on the JSON clients send (request bodies, WebSocket messages, upload metadata).
 *
 * @param maxJsonSize  largest JSON request body; default 256KB
 * @param maxJsonDepth deepest nesting of objects and arrays in client JSON; default 32
 */
@ConfigurationProperties("kiln.api")
public record ApiSettings(
        @DefaultValue("256KB") DataSize maxJsonSize,
        @DefaultValue("32") int maxJsonDepth) {}
