package dev.kiln.search;

import dev.kiln.auth.User;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/** Retrieval for answering questions over a user's own transcripts and documents. */
@Component
public class Passages {

    /** How many hits are read per passage wanted, so that duplicates of one text do not leave places empty. */
    private static final int DUPLICATE_ROOM = 4;

    private final Retrieval retrieval;

    Passages(Retrieval retrieval) {
        this.retrieval = retrieval;
    }

    /**
     * The owner's k best passages for a question: hybrid retrieval (the text list alone where
     * embeddings are off), reranked where a reranker is configured and answers. The text side looks
     * for any of the question's words other than function words (the first {@value
     * SearchController#MAX_TERMS} of those); a question with no words and no embeddings finds nothing.
     * Optionally only from these jobs/files (empty = all; so an empty list a user sent must be refused
     * before it comes here).
     *
     * @throws IllegalStateException when the calling thread is interrupted while it waits for the embedder or the reranker
     */
    public List<Passage> best(User owner, String question, Set<String> jobIds, Set<String> fileIds, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1");
        }
        // Function words go before the cut: the any-word search drops them anyway, and in a long
        // question they would take the places of the words after them (a code asked about last).
        List<String> terms = TextSearch.anyWordTerms(TextSearch.terms(question));
        terms = terms.subList(0, Math.min(terms.size(), SearchController.MAX_TERMS));
        Scope scope = new Scope(owner.id(), null, jobIds, fileIds, false);
        try {
            // A result reused from an earlier job, or the same recording transcribed twice, is indexed
            // once per job: the same text would take several of the k places (and be cited as [1], [2]…).
            // Deeper, then the first of each text.
            int depth = Math.min(k * DUPLICATE_ROOM, SearchController.MAX_DEPTH);
            Set<String> seen = new HashSet<>();
            return retrieval.search(Retrieval.Mode.HYBRID, scope, question, terms, depth, 0, null).found().stream()
                    .map(f -> Passage.of(f.hit()))
                    .filter(passage -> seen.add(passage.text().strip()))
                    .limit(k)
                    .toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while retrieving passages", e);
        }
    }
}
