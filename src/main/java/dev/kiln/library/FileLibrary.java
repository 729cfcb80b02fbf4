package dev.kiln.library;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.support.PageCursor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * A user's files as a library: newest first, searchable by name and type, each with the latest jobs made
 * from it and their count (all of them are the job list's, {@code GET /api/v1/jobs?file=}).
 */
@Component
class FileLibrary {

    /** The jobs a file of the list shows at most, its latest: a file run thousands of times stays a few lines. */
    static final int LATEST_JOBS = 5;

    private final Database db;
    private final JobDeletion jobs;

    FileLibrary(Database db, JobDeletion jobs) {
        this.db = db;
        this.jobs = jobs;
    }

    /**
     * What to list: {@code name} a substring of the name (any case), {@code mediaType} exact or
     * {@code type/*}, {@code owner} a user id (only narrows: a member sees only their own files).
     */
    record Filter(String name, String mediaType, String owner) {}

    /**
     * A file in the list; {@code owner} is given to admins only, who see everyone's. {@code jobs}: the
     * {@link #LATEST_JOBS} latest made from it that the viewer may see (a member: their own), oldest first;
     * {@code jobCount}: how many of those there are in all; {@code jobsCursor}: the job list's cursor to the
     * earlier ones ({@code GET /api/v1/jobs?file=&cursor=}), null when {@code jobs} are all.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(
            @JsonUnwrapped FileInfo file,
            String owner,
            List<JobDeletion.Made> jobs,
            long jobCount,
            @JsonInclude(JsonInclude.Include.ALWAYS) String jobsCursor) {}

    record Page(List<Entry> items, String nextCursor, long total) {}

    Page list(User viewer, Filter filter, PageCursor after, int limit) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        restrict(where, args, viewer, filter);
        long total = db.sql()
                .sql("SELECT count(*) FROM files" + where)
                .params(args)
                .query(Long.class)
                .single();
        if (after != null) {
            after.appendTo(where, args);
        }
        args.add(limit + 1);
        List<FileInfo> found = db.sql()
                .sql("SELECT * FROM files" + where + PageCursor.ORDER + " LIMIT ?")
                .params(args)
                .query(FileCatalog.ROWS)
                .list();
        String next = null;
        if (found.size() > limit) {
            found = found.subList(0, limit);
            FileInfo last = found.getLast();
            next = PageCursor.after(last.createdAt(), last.id());
        }
        Map<String, JobDeletion.Latest> made = jobs.latestMadeFrom(
                found.stream().map(FileInfo::id).toList(), LATEST_JOBS, viewer.isAdmin() ? null : viewer.id());
        JobDeletion.Latest none = new JobDeletion.Latest(List.of(), 0, null);
        List<Entry> items = found.stream()
                .map(f -> {
                    JobDeletion.Latest latest = made.getOrDefault(f.id(), none);
                    String owner = viewer.isAdmin() ? f.ownerId() : null;
                    return new Entry(f, owner, latest.jobs(), latest.count(), latest.earlier());
                })
                .toList();
        return new Page(items, next, total);
    }

    private static void restrict(StringBuilder where, List<Object> args, User viewer, Filter filter) {
        if (!viewer.isAdmin()) {
            where.append(" AND owner_id = ?");
            args.add(viewer.id());
        }
        if (filter.owner() != null) {
            where.append(" AND owner_id = ?");
            args.add(filter.owner());
        }
        if (filter.name() != null) {
            where.append(" AND ").append(FileCatalog.NAME_CONTAINS);
            args.add(FileCatalog.namePattern(filter.name()));
        }
        if (filter.mediaType() != null) {
            if (filter.mediaType().endsWith("/*")) {
                String prefix =
                        filter.mediaType().substring(0, filter.mediaType().length() - 1);
                where.append(" AND substr(media_type, 1, ?) = ?");
                args.add(prefix.length());
                args.add(prefix);
            } else {
                where.append(" AND media_type = ?");
                args.add(filter.mediaType());
            }
        }
    }
}
