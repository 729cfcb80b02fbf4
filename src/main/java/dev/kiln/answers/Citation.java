package dev.kiln.answers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.kiln.search.Passage;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A numbered source of an answer: the passage the reply cites as {@code [n]}, with where it is (job,
 * file, segment, seconds or pages) so a client can open the moment or the page. On the wire the
 * passage's fields sit beside {@code n}; its retrieval score and retrievers stay inside the server.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Citation(
        int n,

        @JsonUnwrapped @JsonIgnoreProperties({"score", "retrievers"}) @JsonInclude(JsonInclude.Include.NON_NULL)
        Passage passage) {

    static List<Citation> of(List<Passage> passages) {
        return IntStream.range(0, passages.size())
                .mapToObj(i -> new Citation(i + 1, passages.get(i)))
                .toList();
    }

    String text() {
        return passage.text();
    }

    /** How the source is named to the model and in an extractive answer: file and moment or pages. */
    String where() {
        Passage p = passage;
        String name = p.fileName() == null ? p.jobId() : p.fileName();
        if (p.startSeconds() != null) {
            return name + ", at " + clock(p.startSeconds());
        }
        Integer pageFrom = p.pageFrom();
        Integer pageTo = p.pageTo();
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
