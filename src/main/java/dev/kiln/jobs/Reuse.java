package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.processors.Processor;
import dev.kiln.support.Digests;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reusing results (docs/architecture.md, "Reusing results"): the key that makes two jobs' results
 * interchangeable, and the earlier succeeded job of an owner that has it. A reused job gets a copy
 * of that job's result, so it keeps it whatever becomes of the other.
 */
final class Reuse {

    /** An earlier succeeded job with the same key; {@code resultSize} null when it stored no result. */
    record Source(String jobId, Long resultSize) {}

    /** The source went (deleted) between finding it and copying its result: submit again. */
    static final class SourceGone extends RuntimeException {
        SourceGone() {
            super(null, null, false, false);
        }
    }

    private final Database db;

    Reuse(Database db) {
        this.db = db;
    }

    /**
     * The reuse key of a job of {@code processor} with validated {@code params} (defaults filled in)
     * on content {@code sha256} (null: no input, keyed on params alone), or null when the processor
     * does not declare its results reusable.
     */
    static String key(JsonMapper json, Processor processor, JsonNode params, String sha256) {
        if (!processor.reusable()) {
            return null;
        }
        Map<String, Object> what = new TreeMap<>();
        what.put("type", processor.name());
        what.put("version", processor.version());
        what.put("params", canonical(params));
        what.put("input", sha256);
        return sha256(json, what);
    }

    /**
     * The newest succeeded job of {@code ownerId} with {@code key}, one that ran preferred to one that reused.
     * A job with result files is no source: its files belong to the attempt that wrote them, which a
     * reused job does not have, so it would come without them.
     */
    Optional<Source> find(String ownerId, String key) {
        if (key == null) {
            return Optional.empty();
        }
        return db.sql()
                .sql("""
                        SELECT id, result_size FROM jobs WHERE owner_id = ? AND reuse_key = ? AND reuse_key IS NOT NULL AND state = 'succeeded'
                          AND NOT EXISTS (SELECT 1 FROM job_files f WHERE f.job_id = jobs.id)
                        ORDER BY CASE WHEN reused_from IS NULL THEN 0 ELSE 1 END, finished_at DESC, id DESC LIMIT 1""")
                .params(ownerId, key)
                .query((rs, n) -> new Source(rs.getString("id"), Rows.nullableLong(rs, "result_size")))
                .optional();
    }

    /** SHA-256 (hex) of {@code value} as JSON with object keys sorted: key order and whitespace do not matter. */
    static String sha256(JsonMapper json, Object value) {
        return Digests.sha256Hex(json.writeValueAsBytes(value instanceof JsonNode node ? canonical(node) : value));
    }

    private static Object canonical(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> sorted = new TreeMap<>();
            node.properties().forEach(e -> sorted.put(e.getKey(), canonical(e.getValue())));
            return sorted;
        }
        if (node.isArray()) {
            return node.valueStream().map(Reuse::canonical).toList();
        }
        return node;
    }
}
