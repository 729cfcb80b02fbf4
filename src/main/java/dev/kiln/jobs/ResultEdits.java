package dev.kiln.jobs;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.processors.ResultShape;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The owner's corrections to a transcript's or document's segments, kept as revisions over the
 * engine's result, which is never rewritten. A segment's id is its index in that result's
 * {@code segments} (stable, since the result never changes); its version is 0 as the engine left
 * it and goes up by one with each revision. A revision holds the segment's text and speaker, or
 * null for the engine's: a restore is a revision with neither, so it can be undone like any other.
 * Every revision is kept; the highest version is the one shown.
 */
@Component
class ResultEdits {

    /** The longest text a segment may be given (a document's segments are a few hundred words). */
    static final int MAX_TEXT = 20_000;

    static final int MAX_SPEAKER = 100;

    private final Database db;
    private final Clock clock;
    private final ApplicationEventPublisher publisher;

    ResultEdits(Database db, Clock clock, ApplicationEventPublisher publisher) {
        this.db = db;
        this.clock = clock;
        this.publisher = publisher;
    }

    /** A segment's current revision; {@code text} and {@code speaker} are null where the engine's stand. */
    record Revision(int segment, int version, String text, String speaker) {

        boolean edited() {
            return text != null || speaker != null;
        }
    }

    /**
     * What a client asks of one segment: its new text and/or speaker (null: keep the current one),
     * or the engine's original back; {@code version} is the version the client saw.
     */
    record Edit(int segment, int version, String text, String speaker, boolean restore) {}

    /** The current revision of each segment that has one. */
    Map<Integer, Revision> current(String jobId) {
        Map<Integer, Revision> current = new HashMap<>();
        db.sql()
                .sql("""
                        SELECT e.segment, e.version, e.text, e.speaker FROM result_edits e
                        WHERE e.job_id = ? AND e.version = (SELECT MAX(m.version) FROM result_edits m
                                                            WHERE m.job_id = e.job_id AND m.segment = e.segment)""")
                .params(jobId)
                .query((rs, n) -> new Revision(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4)))
                .list()
                .forEach(r -> current.put(r.segment(), r));
        return current;
    }

    /** One stored revision of a segment, as written: null text or speaker where the engine's stood; by whom, when. */
    record Stored(int version, String text, String speaker, String editedBy, String editorName, long editedAt) {}

    /** Every revision of one segment, oldest first (version 0, the engine's, has no row). */
    List<Stored> history(String jobId, int segment) {
        return db.sql()
                .sql("""
                        SELECT e.version, e.text, e.speaker, e.edited_by, u.name, e.edited_at
                        FROM result_edits e LEFT JOIN users u ON u.id = e.edited_by
                        WHERE e.job_id = ? AND e.segment = ? ORDER BY e.version""")
                .params(jobId, segment)
                .query((rs, n) -> new Stored(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getLong(6)))
                .list();
    }

    /**
     * Stores {@code edits} to {@code result}'s segments, all or none: any edit made from a version
     * that is no longer the segment's current one fails the lot with {@code edit_conflict}, naming
     * each such segment with its current version. Returns the new current revisions of the job.
     */
    Map<Integer, Revision> edit(Job job, User user, JsonNode result, ResultShape shape, List<Edit> edits) {
        String jobId = job.id();
        check(result, shape, edits);
        return db.write(() -> {
            db.lockUntilCommit(LockSpace.RESULT_EDITS, List.of(jobId));
            Map<Integer, Revision> current = current(jobId);
            List<Map<String, Integer>> conflicts = new ArrayList<>();
            for (Edit e : edits) {
                int now = current.containsKey(e.segment())
                        ? current.get(e.segment()).version()
                        : 0;
                if (now != e.version()) {
                    conflicts.add(Map.of("segment", e.segment(), "version", now));
                }
            }
            if (!conflicts.isEmpty()) {
                throw conflict(jobId, conflicts);
            }
            List<Object[]> rows = new ArrayList<>();
            for (Edit e : edits) {
                Revision next = e.restore()
                        ? new Revision(e.segment(), e.version() + 1, null, null)
                        : next(result.path("segments").get(e.segment()), current.get(e.segment()), e);
                current.put(e.segment(), next);
                rows.add(new Object[] {
                    jobId, next.segment(), next.version(), next.text(), next.speaker(), user.id(), clock.millis()
                });
            }
            db.batch("""
                    INSERT INTO result_edits (job_id, segment, version, text, speaker, edited_by, edited_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""", rows);
            publisher.publishEvent(
                    new ResultsChanged(List.of(new ResultsChanged.Changed(jobId, job.ownerId(), job.type()))));
            return current;
        });
    }

    /** The revision {@code e} makes; what equals the engine's is stored as the engine's (null), so it is not "edited". */
    private static Revision next(JsonNode original, Revision was, Edit e) {
        String text = e.text() != null ? e.text() : was == null ? null : was.text();
        String speaker = e.speaker() != null ? e.speaker() : was == null ? null : was.speaker();
        return new Revision(
                e.segment(),
                e.version() + 1,
                text == null || text.equals(original.path("text").asString(null)) ? null : text,
                speaker == null || speaker.equals(original.path("speaker").asString(null)) ? null : speaker);
    }

    private static ApiException conflict(String jobId, List<Map<String, Integer>> conflicts) {
        Map<String, Integer> first = conflicts.getFirst();
        return new ApiException(
                        ErrorCode.EDIT_CONFLICT,
                        "Segment " + first.get("segment") + " of job " + jobId + " is at version "
                                + first.get("version") + " now; someone changed it since you read it. Nothing"
                                + " was saved: read the result again and redo your change.")
                .with("segment", first.get("segment"))
                .with("version", first.get("version"))
                .with("conflicts", conflicts);
    }

    /** Refuses edits that do not fit the result: unknown segments, one segment twice, text too long. */
    private static void check(JsonNode result, ResultShape shape, List<Edit> edits) {
        int segments =
                result.path("segments").isArray() ? result.path("segments").size() : 0;
        Map<Integer, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < edits.size(); i++) {
            Edit e = edits.get(i);
            String field = "edits[" + i + "]";
            if (e.segment() < 0 || e.segment() >= segments) {
                throw ApiException.invalidField(
                                field + ".segment",
                                "No segment " + e.segment() + "; this result's segments are 0 to " + (segments - 1)
                                        + ".")
                        .with("segments", segments);
            }
            if (seen.put(e.segment(), i) != null) {
                throw ApiException.invalidField(
                        field + ".segment", "Segment " + e.segment() + " is edited twice in one request.");
            }
            if (e.text() != null && e.text().length() > MAX_TEXT) {
                throw ApiException.invalidField(
                                field + ".text", "A segment's text is at most " + MAX_TEXT + " characters.")
                        .with("max", MAX_TEXT);
            }
            if (e.speaker() != null && shape != ResultShape.TRANSCRIPT) {
                throw ApiException.invalidField(field + ".speaker", "Only a transcript's segments have speakers.");
            }
        }
    }

    /**
     * {@code result} as its owner corrected it: each segment with its {@code id} and {@code version},
     * the current revision's text and speaker, and {@code edited: true} where they are not the
     * engine's. An edited text drops the segment's word timings (they were the engine's words) and
     * the result's whole {@code text} is rebuilt from the segments. Results of no known shape are
     * returned as they are.
     */
    static JsonNode apply(JsonNode result, ResultShape shape, Map<Integer, Revision> current) {
        if (shape == null || !result.isObject() || !result.path("segments").isArray()) {
            return result;
        }
        ObjectNode shown = ((ObjectNode) result).deepCopy();
        ArrayNode segments = (ArrayNode) shown.get("segments");
        boolean changed = false;
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i) instanceof ObjectNode segment) {
                Revision revision = current.get(i);
                changed |= revise(segment, i, revision);
            }
        }
        if (changed) {
            if (shape == ResultShape.TRANSCRIPT) {
                if (shown.has("text")) {
                    List<String> texts = new ArrayList<>();
                    segments.forEach(s -> texts.add(s.path("text").asString("").strip()));
                    shown.put("text", String.join(" ", texts));
                }
            } else {
                DocumentText.rebuild(shown, (ObjectNode) result);
            }
        }
        return shown;
    }

    /** Shows one segment's revision on it; whether its text changed. */
    private static boolean revise(ObjectNode segment, int id, Revision revision) {
        segment.put("id", id);
        segment.put("version", revision == null ? 0 : revision.version());
        if (revision == null || !revision.edited()) {
            return false;
        }
        segment.put("edited", true);
        if (revision.speaker() != null) {
            segment.put("speaker", revision.speaker());
        }
        if (revision.text() == null
                || revision.text().equals(segment.path("text").asString(""))) {
            return false;
        }
        segment.put("text", revision.text());
        segment.remove("words");
        return true;
    }
}
