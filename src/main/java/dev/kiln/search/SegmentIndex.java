package dev.kiln.search;

import dev.kiln.db.Database;
import dev.kiln.db.Rows;
import dev.kiln.jobs.Job;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The {@code search_segments} rows of one job, brought in line with its shown result: only the
 * segments whose text or anchor changed are written (an edit rewrites one row, and keeps every other
 * row's embedding), segments that went are removed.
 */
@Component
class SegmentIndex {

    private final Database db;
    private final Clock clock;
    private final SearchSql sql;

    SegmentIndex(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.sql = SearchSql.of(db);
    }

    /** Replaces the job's rows by {@code entries}, in one transaction; returns how many rows it wrote or removed. */
    int replace(Job job, String language, List<IndexEntry> entries) {
        return db.write(() -> {
            Map<Integer, Indexed> existing = existing(job.id());
            Set<Integer> gone = new HashSet<>(existing.keySet());
            List<Map<String, ?>> rows = new ArrayList<>();
            long now = clock.millis();
            for (IndexEntry e : entries) {
                gone.remove(e.segment());
                if (!new Indexed(e, language).equals(existing.get(e.segment()))) {
                    rows.add(row(job, language, e, now));
                }
            }
            if (!gone.isEmpty()) {
                db.sql()
                        .sql("DELETE FROM search_segments WHERE job_id = :job AND segment IN (:segments)")
                        .param("job", job.id())
                        .param("segments", List.copyOf(gone))
                        .update();
            }
            db.batchNamed(sql.upsert(), rows);
            return rows.size() + gone.size();
        });
    }

    /** Removes the job's rows (its result is gone or no longer a transcript or document). */
    void remove(String jobId) {
        db.write(() -> db.sql()
                .sql("DELETE FROM search_segments WHERE job_id = ?")
                .param(jobId)
                .update());
    }

    /** A row as stored, to tell whether it changed. */
    private record Indexed(IndexEntry entry, String language) {}

    private Map<Integer, Indexed> existing(String jobId) {
        Map<Integer, Indexed> rows = new HashMap<>();
        db.sql()
                .sql("""
                        SELECT segment, text, start_seconds, end_seconds, page_from, page_to, language
                        FROM search_segments WHERE job_id = ?""")
                .param(jobId)
                .query((rs, n) -> new Indexed(
                        new IndexEntry(
                                rs.getInt("segment"),
                                rs.getString("text"),
                                Rows.nullableDouble(rs, "start_seconds"),
                                Rows.nullableDouble(rs, "end_seconds"),
                                Rows.nullableInt(rs, "page_from"),
                                Rows.nullableInt(rs, "page_to")),
                        rs.getString("language")))
                .list()
                .forEach(i -> rows.put(i.entry().segment(), i));
        return rows;
    }

    private static Map<String, ?> row(Job job, String language, IndexEntry e, long now) {
        Map<String, Object> row = new HashMap<>();
        row.put("job", job.id());
        row.put("owner", job.ownerId());
        row.put("type", job.type());
        row.put("segment", e.segment());
        row.put("startSeconds", e.startSeconds());
        row.put("endSeconds", e.endSeconds());
        row.put("pageFrom", e.pageFrom());
        row.put("pageTo", e.pageTo());
        row.put("text", e.text());
        row.put("language", language);
        row.put("config", PostgresSearchSql.config(language));
        row.put("now", now);
        return row;
    }
}
