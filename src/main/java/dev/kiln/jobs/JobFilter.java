package dev.kiln.jobs;

import dev.kiln.files.FileCatalog;
import java.util.List;

/**
 * What a job list narrows to, each null for any: a state, a type (a processor), a part of the input
 * file's name (ignoring case), and the input file by its id.
 */
public record JobFilter(JobState state, String type, String name, String fileId) {

    /** Appends the conditions but the type's (which the counts share) to a WHERE clause, their values to {@code args}. */
    void appendTo(StringBuilder sql, List<Object> args) {
        if (name != null) {
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
}
