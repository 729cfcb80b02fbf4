package dev.kiln.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * One entry in a job's event log. {@code seq} starts at 1 and grows by exactly 1 per job; it is
 * allocated in the same transaction as the change the event describes.
 *
 * @param owner the job's owner, known to writers (for "my jobs" subscribers); never on the wire,
 *              and null on events read back from the log
 */
@JsonPropertyOrder({"job", "seq", "kind", "data", "ts"})
public record JobEvent(String job, @JsonIgnore String owner, long seq, EventKind kind, JsonNode data, Instant ts) {}
