package dev.kiln.search;

import dev.kiln.db.Database;
import dev.kiln.jobs.ResultsChanged;
import dev.kiln.jobs.ShownResults;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.support.Loop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Keeps the index in step with results, on every node: a job whose result changed is queued in
 * the transaction that changed it ({@link ResultsChanged}), and this loop drains the queue in
 * batches — woken once that transaction commits, else every {@code kiln.search.interval} — and walks
 * a reindex on. Deleted jobs need nothing: their rows go with them ({@code ON DELETE CASCADE}).
 */
@Component
class SearchIndexer extends Loop {

    private static final Logger log = LoggerFactory.getLogger(SearchIndexer.class);

    private static final int SWEEP_PAGE = 500;

    private final Database db;
    private final SearchQueue queue;
    private final SegmentIndex index;
    private final ShownResults results;
    private final ProcessorCatalogue processors;
    private final SearchSettings settings;
    private final SegmentVectors vectors;
    /** Where this node's walk over jobs with rows waiting for a vector stands ("": not begun, null: done). */
    private String sweepAfter = "";

    SearchIndexer(
            Database db,
            SearchQueue queue,
            SegmentIndex index,
            ShownResults results,
            ProcessorCatalogue processors,
            SearchSettings settings,
            SegmentVectors vectors) {
        super("kiln-search-index", settings.interval());
        this.vectors = vectors;
        this.db = db;
        this.queue = queue;
        this.index = index;
        this.results = results;
        this.processors = processors;
        this.settings = settings;
    }

    /** In the changing transaction: queue the jobs whose results are transcripts or documents. */
    @EventListener
    void changed(ResultsChanged changed) {
        List<String> ids = changed.jobs().stream()
                .filter(j -> results.shaped(j.type()))
                .map(ResultsChanged.Changed::id)
                .toList();
        if (!ids.isEmpty()) {
            queue.enqueue(ids);
            db.afterCommit(this::wake);
        }
    }

    @Override
    protected boolean step() {
        int queued = queue.advanceReindex(shapedTypes(), settings.batchSize()) + sweep();
        List<SearchQueue.Claimed> claimed = queue.claim(settings.batchSize());
        // Every claimed job's text first, then the vectors: no text waits for another job's embedding.
        Deque<SearchQueue.Claimed> unembedded = new ArrayDeque<>(write(claimed));
        while (!unembedded.isEmpty() && !Thread.currentThread().isInterrupted()) {
            embed(unembedded.poll(), unembedded);
        }
        return queued > 0 || claimed.size() == settings.batchSize();
    }

    /** Brings the jobs' text rows up to date; returns those left to embed, still claimed (the rest are done). */
    private List<SearchQueue.Claimed> write(List<SearchQueue.Claimed> claimed) {
        List<SearchQueue.Claimed> unembedded = new ArrayList<>();
        for (SearchQueue.Claimed c : claimed) {
            if (write(c)) {
                unembedded.add(c);
            }
        }
        return unembedded;
    }

    /**
     * Brings one job's text rows up to date; returns whether its rows are left to embed. A failure
     * leaves its claim to run out, so it is tried again later.
     */
    private boolean write(SearchQueue.Claimed claimed) {
        try {
            Optional<ShownResults.Shown> shown = results.of(claimed.jobId());
            if (shown.isPresent()) {
                ShownResults.Shown s = shown.get();
                if (index.replace(s.job(), IndexEntry.language(s), IndexEntry.of(s)) > 0) {
                    vectors.changed(s.job().ownerId());
                }
                if (vectors.enabled()) {
                    return true;
                }
            } else {
                index.remove(claimed.jobId());
            }
            queue.done(claimed);
        } catch (RuntimeException e) {
            if (gone(e)) {
                // Deleted while it was read: its queue row and any rows went with it.
                log.debug("Job {} went while it was indexed", claimed.jobId());
            } else {
                log.warn("Indexing job {} for search failed; it is tried again later", claimed.jobId(), e);
            }
        }
        return false;
    }

    /**
     * The job (or its file) was deleted meanwhile: a foreign key refused a row (Spring tells SQLite's
     * integrity errors from others only by its message). Any other integrity error is a failure.
     */
    private static boolean gone(RuntimeException e) {
        return e instanceof DataAccessException refused && Database.foreignKeyViolation(refused);
    }

    /**
     * Embeds a job's rows while its claim is this node's (renewed as it goes: a long document
     * outlasts one claim, and two nodes must not embed the same job), then removes its request.
     * Before each batch of texts, jobs changed meanwhile get their text rows and join {@code
     * unembedded}: an edit waits for one batch of embedding, not for a whole document's.
     */
    private void embed(SearchQueue.Claimed claimed, Deque<SearchQueue.Claimed> unembedded) {
        AtomicReference<SearchQueue.Claimed> held = new AtomicReference<>(claimed);
        try {
            boolean all = vectors.embed(claimed.jobId(), () -> {
                held.set(queue.keep(held.get()).orElse(null));
                unembedded.addAll(write(queue.claimChanged(settings.batchSize())));
                return held.get() != null;
            });
            if (all) {
                queue.done(claimed);
            }
        } catch (InterruptedException e) {
            // Stopping: the claim runs out and another turn embeds the rest.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (gone(e)) {
                log.debug("Job {} went while it was embedded", claimed.jobId());
            } else {
                log.warn("Embedding job {} for search failed; it is tried again later", claimed.jobId(), e);
            }
        }
    }

    /**
     * Once after a start, queues the jobs whose rows wait for a vector of this node's model (indexed
     * while embeddings were off, or by another model), a page per step, behind every changed job (a
     * new model's backlog would otherwise hold edits back for hours); the queue's claim then keeps
     * two nodes from embedding the same job at once, and a NULL left by a crash is found next start.
     */
    private int sweep() {
        if (sweepAfter == null || !vectors.enabled()) {
            return 0;
        }
        List<String> jobs = vectors.jobsWaiting(sweepAfter, SWEEP_PAGE);
        if (!jobs.isEmpty()) {
            db.write(() -> queue.enqueueBehind(jobs));
        }
        sweepAfter = jobs.size() < SWEEP_PAGE ? null : jobs.getLast();
        return jobs.size();
    }

    /** The processors whose results are transcripts or documents. */
    private List<String> shapedTypes() {
        return processors.all().stream()
                .filter(r -> r.processor().shape() != null)
                .map(r -> r.processor().name())
                .toList();
    }
}
