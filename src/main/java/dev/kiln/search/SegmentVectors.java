package dev.kiln.search;

import dev.kiln.db.Database;
import dev.kiln.embeddings.EmbeddingSettings;
import dev.kiln.embeddings.StoredVector;
import dev.kiln.embeddings.TextEmbedder;
import dev.kiln.embeddings.VectorCache;
import dev.kiln.embeddings.VectorCodec;
import dev.kiln.embeddings.VectorHit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.springframework.stereotype.Component;

/**
 * The index's sentence embeddings: {@code search_segments.embedding} filled for a job's rows that
 * have none of the current model (an upsert that changes a text clears it, so a NULL is work still
 * to do), and the exact nearest-vector search over a scope through an in-memory {@link VectorCache}
 * per owner (key {@value #EVERYONE}: every owner's, for admins).
 *
 * <p>This node's cache is told about the vectors it writes and the rows it rewrites. Another node's
 * vectors are caught by the owner's version ({@code vector_versions}, raised in the transaction
 * that writes them, and kept on each row written; every owner's: the sum), read before each search:
 * an owner cached at an older one reads the rows written since (every owner's is loaded again). A
 * row gone by cascade (a job deleted) is caught when hits are read back from the database: a
 * vector whose row is gone or has no vector now is dropped from the hits and its owner's cache is
 * loaded again on the next search.
 */
@Component
class SegmentVectors {

    static final String RETRIEVER = "semantic";

    /** The cache key of every owner's vectors together. */
    static final String EVERYONE = "*";

    private final Database db;
    private final TextEmbedder embedder;
    private final VectorCache cache;
    private final int chunk;

    SegmentVectors(Database db, TextEmbedder embedder, EmbeddingSettings settings) {
        this.db = db;
        this.embedder = embedder;
        this.cache = new VectorCache(
                embedder.dimension(), settings.cacheMaxVectors(), this::load, this::since, this::version);
        this.chunk = settings.batchSize();
    }

    boolean enabled() {
        return embedder.enabled();
    }

    /**
     * Embeds the job's rows that have no vector of the current model, {@code batch-size} texts per
     * write (each its own transaction, so a long document's progress is kept). Before each batch it
     * asks {@code carryOn} (which may do other work first); on false it stops there. Returns whether
     * it embedded them all.
     */
    boolean embed(String jobId, BooleanSupplier carryOn) throws InterruptedException {
        List<Pending> pending = db.sql()
                .sql("""
                        SELECT id, owner_id, text FROM search_segments
                        WHERE job_id = ? AND (embedding IS NULL OR embedding_model <> ?) ORDER BY id""")
                .params(jobId, embedder.modelId())
                .query((rs, n) -> new Pending(rs.getLong(1), rs.getString(2), rs.getString(3)))
                .list();
        for (int from = 0; from < pending.size(); from += chunk) {
            if (!carryOn.getAsBoolean()) {
                return false;
            }
            List<Pending> part = pending.subList(from, Math.min(pending.size(), from + chunk));
            float[][] vectors = embedder.embed(part.stream().map(Pending::text).toList());
            String owner = part.getFirst().owner(); // a job's rows are one owner's
            long[] versions = db.write(() -> {
                long[] raised = raiseVersion(owner);
                List<Object[]> rows = new ArrayList<>();
                for (int i = 0; i < part.size(); i++) {
                    Pending p = part.get(i);
                    // Only while the text is the one embedded: an edit meanwhile cleared it for another turn.
                    rows.add(new Object[] {
                        VectorCodec.encode(vectors[i]), embedder.modelId(), raised[0], p.id(), p.text()
                    });
                }
                db.batch(
                        "UPDATE search_segments SET embedding = ?, embedding_model = ?, vector_version = ?"
                                + " WHERE id = ? AND text = ?",
                        rows);
                return raised;
            });
            for (int i = 0; i < part.size(); i++) {
                cache.put(owner, part.get(i).id(), vectors[i]);
                cache.put(EVERYONE, part.get(i).id(), vectors[i]);
            }
            cache.advanced(owner, versions[0]);
            cache.advanced(EVERYONE, versions[1]);
        }
        return true;
    }

    private record Pending(long id, String owner, String text) {}

    /** In a write: raises the owner's version; returns it and every owner's (their sum). */
    private long[] raiseVersion(String owner) {
        long raised = db.sql().sql("""
                        INSERT INTO vector_versions (owner_id, version) VALUES (?, 1)
                        ON CONFLICT (owner_id) DO UPDATE SET version = vector_versions.version + 1
                        RETURNING version""").param(owner).query(Long.class).single();
        return new long[] {raised, version(EVERYONE)};
    }

    /** The key's version now: how many writes of its vectors there have been (every owner's: the sum). */
    private long version(String key) {
        var query = key.equals(EVERYONE)
                ? db.sql().sql("SELECT coalesce(sum(version), 0) FROM vector_versions")
                : db.sql()
                        .sql("SELECT coalesce(max(version), 0) FROM vector_versions WHERE owner_id = ?")
                        .param(key);
        return query.query(Long.class).single();
    }

    /** The owner's rows changed on this node (rewritten or removed): their cached vectors are loaded again. */
    void changed(String owner) {
        cache.invalidate(owner);
        cache.invalidate(EVERYONE);
    }

    /** Jobs after {@code after} (by id) with rows that wait for a vector of the current model, at most {@code limit}. */
    List<String> jobsWaiting(String after, int limit) {
        return db.sql()
                .sql("""
                        SELECT DISTINCT job_id FROM search_segments
                        WHERE job_id > ? AND (embedding IS NULL OR embedding_model <> ?) ORDER BY job_id LIMIT ?""")
                .params(after, embedder.modelId(), limit)
                .query(String.class)
                .list();
    }

    /** Segments that wait for a vector of the current model. */
    long waiting() {
        return db.sql()
                .sql("SELECT COUNT(*) FROM search_segments WHERE embedding IS NULL OR embedding_model <> ?")
                .param(embedder.modelId())
                .query(Long.class)
                .single();
    }

    float[] query(String text) throws InterruptedException {
        return embedder.embed(text);
    }

    /** The ids of the scope's {@code n} nearest vectors to {@code query}, nearest first. */
    List<VectorHit> nearest(Scope scope, float[] query, int n) {
        String key = scope.owner() == null ? EVERYONE : scope.owner();
        Set<Long> allowed = scope.narrowed() ? ids(scope) : null;
        if (allowed != null && allowed.isEmpty()) {
            return List.of();
        }
        return cache.get(key).topK(query, n, allowed == null ? null : allowed::contains);
    }

    /**
     * The hits of these ids in the scope, in the order given, each scored as given; ids whose row is
     * gone or out of the scope, or has no vector now, are left out (and the cache reloads the owner).
     */
    List<TextSearch.Found> hits(Scope scope, List<VectorHit> nearest) {
        if (nearest.isEmpty()) {
            return List.of();
        }
        Map<String, Object> params = new HashMap<>();
        String where = scope.where(params);
        params.put("ids", nearest.stream().map(VectorHit::id).toList());
        params.put("model", embedder.modelId());
        Map<Long, Hit> rows = new HashMap<>();
        List<TextSearch.Found> found = db.sql()
                .sql("SELECT " + SearchSql.HIT_COLUMNS + """
                        , f.id AS file_id, f.name AS file_name
                        FROM search_segments s JOIN jobs j ON j.id = s.job_id LEFT JOIN files f ON f.id = j.input_file_id
                        WHERE s.id IN (:ids) AND s.embedding_model = :model""" + where)
                .params(params)
                .query((rs, n) -> new TextSearch.Found(
                        rs.getLong("id"),
                        Hit.of(
                                rs,
                                Hit.around(List.of(new Hit.Part(rs.getString("text"), false)), TextSearch.SNIPPET),
                                0,
                                RETRIEVER,
                                scope.showOwner())))
                .list();
        found.forEach(f -> rows.put(f.id(), f.hit()));
        List<TextSearch.Found> ordered = new ArrayList<>();
        for (VectorHit v : nearest) {
            Hit hit = rows.get(v.id());
            if (hit != null) {
                ordered.add(new TextSearch.Found(v.id(), hit.scored(v.score(), List.of(RETRIEVER))));
            }
        }
        if (ordered.size() < nearest.size() && !scope.narrowed()) {
            // Only an unnarrowed scope is sure to have held them all: a row went behind the cache's back.
            changed(scope.owner() == null ? EVERYONE : scope.owner());
        }
        return ordered;
    }

    private Set<Long> ids(Scope scope) {
        Map<String, Object> params = new HashMap<>();
        String where = scope.where(params);
        return new HashSet<>(db.sql()
                .sql("SELECT s.id FROM search_segments s WHERE 1 = 1" + where)
                .params(params)
                .query(Long.class)
                .list());
    }

    /** The owner's vectors written after its version {@code after}; every owner's: unknown (null). */
    private List<StoredVector> since(String key, long after) {
        if (key.equals(EVERYONE)) {
            return null;
        }
        return db.sql()
                .sql("""
                        SELECT id, embedding FROM search_segments
                        WHERE owner_id = ? AND embedding_model = ? AND vector_version > ?""")
                .params(key, embedder.modelId(), after)
                .query((rs, n) -> new StoredVector(rs.getLong(1), rs.getBytes(2)))
                .list();
    }

    private List<StoredVector> load(String key) {
        String owner = key.equals(EVERYONE) ? "" : " AND owner_id = :owner";
        var query = db.sql()
                .sql("SELECT id, embedding FROM search_segments WHERE embedding_model = :model" + owner)
                .param("model", embedder.modelId());
        if (!key.equals(EVERYONE)) {
            query = query.param("owner", key);
        }
        return query.query((rs, n) -> new StoredVector(rs.getLong(1), rs.getBytes(2)))
                .list();
    }
}
