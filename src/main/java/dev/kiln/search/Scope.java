package dev.kiln.search;

import java.util.Map;
import java.util.Set;

/**
 * Whose segments a search looks at and which of them: one owner's ({@code owner}; null: everyone's,
 * for admins), optionally one job type and only these jobs or input files (empty: all).
 * {@code showOwner}: hits name their owner (admins).
 */
record Scope(String owner, String type, Set<String> jobIds, Set<String> fileIds, boolean showOwner) {

    Scope {
        jobIds = Set.copyOf(jobIds);
        fileIds = Set.copyOf(fileIds);
    }

    /** The conditions on {@code s} (search_segments), each starting with AND; their parameters go into params. */
    String where(Map<String, Object> params) {
        StringBuilder where = new StringBuilder();
        if (owner != null) {
            where.append(" AND s.owner_id = :owner");
            params.put("owner", owner);
        }
        if (type != null) {
            where.append(" AND s.job_type = :type");
            params.put("type", type);
        }
        if (!jobIds.isEmpty()) {
            where.append(" AND s.job_id IN (:jobIds)");
            params.put("jobIds", jobIds);
        }
        if (!fileIds.isEmpty()) {
            where.append(" AND s.job_id IN (SELECT id FROM jobs WHERE input_file_id IN (:fileIds))");
            params.put("fileIds", fileIds);
        }
        return where.toString();
    }

    /** Whether anything narrows it below an owner's (or everyone's) segments. */
    boolean narrowed() {
        return type != null || !jobIds.isEmpty() || !fileIds.isEmpty();
    }
}
