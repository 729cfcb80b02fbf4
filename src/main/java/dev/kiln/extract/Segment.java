package dev.kiln.extract;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A piece of a document's text of a few hundred words: a partial result while the job runs, one
 * of the result's segments. {@code text} is exactly the result text from {@code start} to
 * {@code end}.
 *
 * @param pages   the pages it spans; null where the format has no pages
 * @param heading the heading it starts with, if it starts with one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Segment(int index, String text, int start, int end, Pages pages, String heading) {

    record Pages(int from, int to) {}
}
