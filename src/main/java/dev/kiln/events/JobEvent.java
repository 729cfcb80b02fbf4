package dev.kiln.events;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * One entry in a job's event log. {@code seq} starts at 1 and grows by exactly 1 per job; it is
 * allocated in the same transaction as the change the event describes.
 */
public record JobEvent(String job, long seq, EventKind kind, JsonNode data, Instant ts) {
}
