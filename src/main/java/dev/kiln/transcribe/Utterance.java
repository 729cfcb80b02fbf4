package dev.kiln.transcribe;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One finalised stretch of speech: a partial result while the job runs, a segment of the result.
 * Times are seconds from the start of the audio.
 *
 * @param words per-word timings, or null when the job did not ask for them
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Utterance(String text, double start, double end, List<Word> words) {

    record Word(String word, double start, double end, double conf) {}
}
