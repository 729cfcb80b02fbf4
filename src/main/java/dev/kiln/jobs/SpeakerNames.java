package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.support.Texts;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The names a transcript's owner gave its speakers: an edit kept beside the engine's result, which
 * is never rewritten. Results are read with the names as {@code speakerNames}, and the transcript
 * downloads show them.
 */
@Component
class SpeakerNames {

    private static final int MAX_NAME = 100;

    private final Database db;
    private final JsonMapper json;
    private final Clock clock;

    SpeakerNames(Database db, JsonMapper json, Clock clock) {
        this.db = db;
        this.json = json;
        this.clock = clock;
    }

    Optional<ObjectNode> of(String jobId) {
        return db.sql()
                .sql("SELECT names FROM job_speaker_names WHERE job_id = ?")
                .params(jobId)
                .query(String.class)
                .optional()
                .map(names -> (ObjectNode) json.readTree(names));
    }

    /** The stored result with the names given ({@link #of}), if any, as {@code speakerNames}. */
    static JsonNode withNames(JsonNode result, Optional<ObjectNode> names) {
        if (names.isEmpty() || !result.isObject()) {
            return result;
        }
        ObjectNode named = ((ObjectNode) result).deepCopy();
        named.set("speakerNames", names.get());
        return named;
    }

    /**
     * Renames speakers of {@code result}: {@code changes} maps a speaker id to its new name, or to
     * null or "" to go back to the engine's id. Returns every name now given.
     */
    ObjectNode rename(String jobId, JsonNode result, JsonNode changes) {
        Set<String> speakers = new TreeSet<>();
        result.path("segments").forEach(s -> {
            if (!s.path("speaker").asString("").isBlank()) {
                speakers.add(s.path("speaker").asString());
            }
        });
        if (speakers.isEmpty()) {
            throw new ApiException(ErrorCode.NO_SPEAKERS, "Job " + jobId + "'s result names no speakers.");
        }
        if (changes == null || !changes.isObject() || changes.isEmpty()) {
            throw ApiException.invalidField(
                    "names", "names must map speaker ids to names, e.g. {\"SPEAKER_00\": \"Ana\"}.");
        }
        // Read and written under the job's lock: a rename made meanwhile is merged in, not overwritten.
        return db.write(() -> {
            db.lockUntilCommit(LockSpace.SPEAKER_NAMES, List.of(jobId));
            ObjectNode names = of(jobId).orElseGet(json::createObjectNode);
            apply(changes, speakers, names);
            db.sql()
                    .sql("""
                            INSERT INTO job_speaker_names (job_id, names, updated_at) VALUES (?, ?, ?)
                            ON CONFLICT (job_id) DO UPDATE SET names = excluded.names, updated_at = excluded.updated_at""")
                    .params(jobId, json.writeValueAsString(names), clock.millis())
                    .update();
            return names;
        });
    }

    private static void apply(JsonNode changes, Set<String> speakers, ObjectNode names) {
        for (String id : changes.propertyNames()) {
            JsonNode name = changes.get(id);
            if (!speakers.contains(id)) {
                throw ApiException.invalidField(
                                "names." + id, "No speaker " + id + "; the speakers are " + speakers + ".")
                        .with("speakers", speakers);
            }
            String text = name.isString() ? Texts.wellFormed(name.asString()).strip() : null;
            if (name.isNull() || text != null && text.isEmpty()) {
                names.remove(id);
            } else if (text == null || !Texts.isOneLine(text, MAX_NAME)) {
                // A line break would end a subtitle cue early (SRT, VTT): one line, as a segment's speaker.
                throw ApiException.invalidField(
                        "names." + id,
                        "A speaker's name is one line of at most " + MAX_NAME
                                + " characters, without control characters.");
            } else {
                names.put(id, text);
            }
        }
    }
}
