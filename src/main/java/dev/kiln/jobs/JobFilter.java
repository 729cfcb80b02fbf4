package dev.kiln.jobs;

import dev.kiln.auth.User;
import dev.kiln.files.FileCatalog;
import dev.kiln.support.PageCursor;
import java.util.List;

/**
 * What a job list narrows to, each null for any: a state, a type (a processor), a part of the input
 * file's name (ignoring case), and the input file by its id.
 */
public record JobFilter(JobState state, String type, String name, String fileId) {

    /** Appends the conditions but the type's (which the counts share) to a WHERE clause, their values to {@code args}. */
    void appendTo(StringBuilder sql, List<Object> args) {
        if (name != null && fileId != null) { // one file: its name is checked once, its jobs read in order
            sql.append(" AND EXISTS (SELECT 1 FROM files WHERE id = ? AND " + FileCatalog.NAME_CONTAINS + ")");
            args.add(fileId);
            args.add(FileCatalog.namePattern(name));
        } else if (name != null) {
            sql.append(" AND input_file_id IN (SELECT id FROM files WHERE " + FileCatalog.NAME_CONTAINS + ")");
            args.add(FileCatalog.namePattern(name));
        }
        if (fileId != null) {
            sql.append(" AND input_file_id = ?");
            args.add(fileId);
        }
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state.wire());
        }
    }

    /**
     * The statement of {@link JobStore#list(User, JobFilter, PageCursor, int)}, its values added to {@code args}
     * ({@code ownerBesideFile}: {@link JobStore#ownerBesideFile}). One
     * file's page after a cursor also bounds {@code created_at} alone, which the index can seek to
     * ({@code jobs_by_input_file_age}: the cursor's OR is only a filter), so a late page reads a page's rows.
     */
    String listSql(User viewer, PageCursor after, int rows, String ownerBesideFile, List<Object> args) {
        StringBuilder sql = new StringBuilder("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE 1 = 1");
        JobStore.restrict(sql, args, viewer, type, fileId != null ? ownerBesideFile : JobStore.OWNER);
        appendTo(sql, args);
        if (after != null) {
            after.appendTo(sql, args);
            if (fileId != null) {
                sql.append(" AND created_at <= ?");
                args.add(after.createdAt());
            }
        }
        sql.append(PageCursor.ORDER + " LIMIT ?");
        args.add(rows);
        return sql.toString();
    }
}
