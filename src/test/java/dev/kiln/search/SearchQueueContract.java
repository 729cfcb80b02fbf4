package dev.kiln.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.auth.User;
import dev.kiln.jobs.Job;
import dev.kiln.testing.QueueFixture;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The index's durable work without Spring, on a settable clock: claims that another node cannot
 * take until they time out (or while they are renewed), a job queued again while it is being
 * indexed, changed jobs before those waiting only for vectors, rows that go with their job, and a
 * reindex that walks in batches and resumes with a new instance (a restarted node).
 */
abstract class SearchQueueContract {

    static final SearchSettings SETTINGS = new SearchSettings(Duration.ofSeconds(2), 20, Duration.ofMinutes(5));

    QueueFixture f;
    SearchQueue queue;
    User owner;

    abstract TestDatabases.Kind kind();

    @BeforeEach
    void setUp() {
        f = new QueueFixture(kind());
        queue = new SearchQueue(f.db, f.clock, SETTINGS);
        owner = f.user("owner");
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private void enqueue(String... jobs) {
        f.db.write(() -> queue.enqueue(List.of(jobs)));
    }

    private long waiting() {
        return queue.status(null, null).waiting();
    }

    @Test
    void aClaimIsOneNodesUntilItTimesOut() {
        Job job = f.submit(owner, "t");
        enqueue(job.id());
        assertThat(queue.claim(10)).extracting(SearchQueue.Claimed::jobId).containsExactly(job.id());
        SearchQueue otherNode = new SearchQueue(f.db, f.clock, SETTINGS);
        assertThat(otherNode.claim(10)).isEmpty();
        assertThat(queue.status(null, null).indexing()).isEqualTo(1);
        f.clock.advance(SETTINGS.claimTimeout().minusMillis(1));
        assertThat(otherNode.claim(10)).isEmpty();
        f.clock.advance(Duration.ofMillis(2));
        assertThat(otherNode.claim(10))
                .as("the first node died: its claim ran out")
                .extracting(SearchQueue.Claimed::jobId)
                .containsExactly(job.id());
    }

    @Test
    void aJobQueuedAgainWhileBeingIndexedIsIndexedAgain() {
        Job job = f.submit(owner, "t");
        enqueue(job.id());
        SearchQueue.Claimed first = queue.claim(10).getFirst();
        enqueue(job.id()); // edited while the indexer read the old text
        queue.done(first);
        assertThat(waiting()).isEqualTo(1);
        SearchQueue.Claimed second = queue.claim(10).getFirst();
        assertThat(second.generation()).isEqualTo(first.generation() + 1);
        queue.done(second);
        assertThat(waiting()).isZero();
    }

    @Test
    void aChangedJobIsClaimedBeforeJobsWaitingForVectorsAndKeepsItsPlaceWhenChangedAgain() {
        String vectorsOnly = f.submit(owner, "t").id();
        String edited = f.submit(owner, "t").id();
        String later = f.submit(owner, "t").id();
        f.db.write(() -> queue.enqueueBehind(List.of(vectorsOnly)));
        f.clock.advance(Duration.ofSeconds(1));
        enqueue(edited);
        f.clock.advance(Duration.ofSeconds(1));
        enqueue(later);
        f.clock.advance(Duration.ofSeconds(1));
        enqueue(edited); // edited again while it waits
        // One at a time: RETURNING gives the claimed rows in no particular order.
        assertThat(queue.claim(1)).extracting(SearchQueue.Claimed::jobId).containsExactly(edited);
        assertThat(queue.claim(1)).extracting(SearchQueue.Claimed::jobId).containsExactly(later);
        assertThat(queue.claimChanged(10))
                .as("only a change: the sweep's job waits for the next turn")
                .isEmpty();
        enqueue(vectorsOnly); // edited: its text goes before the vectors of others
        assertThat(queue.claimChanged(10))
                .extracting(SearchQueue.Claimed::jobId)
                .containsExactly(vectorsOnly);
    }

    @Test
    void aClaimIsKeptWhileItIsRenewedAndNotOnceAnotherNodeTookItOver() {
        Job job = f.submit(owner, "t");
        enqueue(job.id());
        SearchQueue.Claimed claimed = queue.claim(10).getFirst();
        f.clock.advance(SETTINGS.claimTimeout().dividedBy(2).minusMillis(1));
        assertThat(queue.keep(claimed))
                .as("more than half its time left: as it is")
                .contains(claimed);
        f.clock.advance(Duration.ofMillis(2));
        SearchQueue.Claimed renewed = queue.keep(claimed).orElseThrow();
        assertThat(renewed.until())
                .isEqualTo(f.clock.millis() + SETTINGS.claimTimeout().toMillis());
        SearchQueue otherNode = new SearchQueue(f.db, f.clock, SETTINGS);
        f.clock.advance(SETTINGS.claimTimeout().minusMillis(1));
        assertThat(otherNode.claim(10)).as("renewed: still this node's").isEmpty();
        f.clock.advance(Duration.ofMillis(2));
        assertThat(otherNode.claim(10)).extracting(SearchQueue.Claimed::jobId).containsExactly(job.id());
        assertThat(queue.keep(renewed)).as("taken over after it ran out").isEmpty();
    }

    @Test
    void aJobQueuedAgainWhileItIsEmbeddedIsGivenBackAtOnce() {
        Job job = f.submit(owner, "t");
        enqueue(job.id());
        SearchQueue.Claimed claimed = queue.claim(10).getFirst();
        enqueue(job.id()); // edited while its vectors are computed
        assertThat(queue.keep(claimed)).isEmpty();
        assertThat(queue.claimChanged(10))
                .extracting(SearchQueue.Claimed::generation)
                .containsExactly(claimed.generation() + 1);
    }

    @Test
    void aDeletedJobTakesItsQueueRowAndIndexRows() {
        Job job = f.submit(owner, "t");
        enqueue(job.id());
        f.db.write(() -> f.db.sql()
                .sql("""
                        INSERT INTO search_segments (job_id, owner_id, job_type, segment, text, indexed_at%s)
                        VALUES (?, ?, 't', 0, 'words', 0%s)""".formatted(
                                kind() == TestDatabases.Kind.POSTGRES ? ", ts_config, tsv" : "",
                                kind() == TestDatabases.Kind.POSTGRES ? ", 'simple', to_tsvector('words')" : ""))
                .params(job.id(), owner.id())
                .update());
        assertThat(queue.status(null, null).segments()).isEqualTo(1);
        f.db.write(() ->
                f.db.sql().sql("DELETE FROM jobs WHERE id = ?").param(job.id()).update());
        assertThat(waiting()).isZero();
        assertThat(queue.status(null, null).segments()).isZero();
    }

    @Test
    void aReindexWalksSucceededJobsInBatchesAndResumesAfterARestart() {
        List<String> succeeded = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            succeeded.add(f.submit(owner, "t").id());
            f.clock.advance(Duration.ofMillis(1));
        }
        String otherType = f.submit(owner, "u").id();
        String waitingJob = f.submit(owner, "t").id();
        List<String> finished = new ArrayList<>(succeeded);
        finished.add(otherType);
        f.db.write(() -> f.db.sql()
                .sql("UPDATE jobs SET state = 'succeeded' WHERE id IN (:ids)")
                .param("ids", finished)
                .update());
        assertThat(queue.advanceReindex(List.of("t"), 2))
                .as("no reindex asked for")
                .isZero();
        queue.startReindex();
        assertThat(queue.advanceReindex(List.of("t"), 2)).isEqualTo(2);
        assertThat(queue.startReindex().queued())
                .as("asking again lets it go on")
                .isEqualTo(2);
        SearchQueue restarted = new SearchQueue(f.db, f.clock, SETTINGS);
        assertThat(restarted.advanceReindex(List.of("t"), 2)).isEqualTo(2);
        assertThat(restarted.advanceReindex(List.of("t"), 2)).isEqualTo(1);
        assertThat(restarted.reindex()).as("the walk ended").isEmpty();
        List<String> queued = f.db.sql()
                .sql("SELECT job_id FROM search_queue")
                .query(String.class)
                .list();
        assertThat(queued).containsExactlyInAnyOrderElementsOf(succeeded).doesNotContain(otherType, waitingJob);
    }
}
