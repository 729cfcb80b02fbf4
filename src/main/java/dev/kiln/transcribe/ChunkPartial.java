package dev.kiln.transcribe;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An utterance heard by a remote engine, published as a partial result: the {@link Utterance}'s
 * fields, plus the chunk it came from and, on a chunk's last utterance, where that chunk ended.
 * A chunk is complete in the event log once its {@code chunkEnd} is there: what a new attempt
 * reads back to skip it ({@link EarlierChunks}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ChunkPartial(String text, double start, double end, List<Utterance.Word> words, int chunk, Double chunkEnd) {

    static ChunkPartial of(Utterance u, int chunk, Double chunkEnd) {
        return new ChunkPartial(u.text(), u.start(), u.end(), u.words(), chunk, chunkEnd);
    }

    Utterance utterance() {
        return new Utterance(text, start, end, words);
    }
}
