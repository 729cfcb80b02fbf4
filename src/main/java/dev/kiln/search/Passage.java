package dev.kiln.search;

import java.util.List;

/**
 * A segment retrieved for a question (see {@link Passages}): where it is — job, file, segment and
 * its anchor (seconds or pages, null where the format has none) — its text, its score (fused, or
 * the reranker's where it reranked; higher is better, comparable within one call) and which
 * retrievers found it.
 */
public record Passage(
        String jobId,
        String jobType,
        String fileId,
        String fileName,
        int segment,
        String text,
        Double startSeconds,
        Double endSeconds,
        Integer pageFrom,
        Integer pageTo,
        double score,
        List<String> retrievers) {

    static Passage of(Hit hit) {
        return new Passage(
                hit.jobId(),
                hit.jobType(),
                hit.fileId(),
                hit.fileName(),
                hit.segment(),
                hit.text(),
                hit.anchor().startSeconds(),
                hit.anchor().endSeconds(),
                hit.anchor().pageFrom(),
                hit.anchor().pageTo(),
                hit.score(),
                hit.retrievers());
    }
}
