package dev.kiln.answers;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.search.Passage;
import java.util.ArrayList;
import java.util.List;

/**
 * A numbered source of an answer: the passage the reply cites as {@code [n]}, and where it is (job,
 * file, segment, seconds or pages), so a client can open the moment or the page.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Citation(
        int n,
        String jobId,
        String jobType,
        String fileId,
        String fileName,
        int segment,
        String text,
        Double startSeconds,
        Double endSeconds,
        Integer pageFrom,
        Integer pageTo) {

    static List<Citation> of(List<Passage> passages) {
        List<Citation> citations = new ArrayList<>();
        for (Passage p : passages) {
            citations.add(new Citation(
                    citations.size() + 1,
                    p.jobId(),
                    p.jobType(),
                    p.fileId(),
                    p.fileName(),
                    p.segment(),
                    p.text(),
                    p.startSeconds(),
                    p.endSeconds(),
                    p.pageFrom(),
                    p.pageTo()));
        }
        return citations;
    }

    /** How the source is named to the model and in an extractive answer: file and moment or pages. */
    String where() {
        String name = fileName == null ? jobId : fileName;
        if (startSeconds != null) {
            return name + ", at " + clock(startSeconds);
        }
        if (pageFrom != null) {
            return name
                    + (pageTo == null || pageTo.equals(pageFrom)
                            ? ", page " + pageFrom
                            : ", pages " + pageFrom + "–" + pageTo);
        }
        return name;
    }

    private static String clock(double seconds) {
        long s = (long) seconds;
        return s >= 3600
                ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
