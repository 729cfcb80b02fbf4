package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import dev.kiln.files.FileInfo;
import dev.kiln.processors.ParamsSchema;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.processors.ProcessorSettings;
import dev.kiln.support.PageCursor;
import dev.kiln.testing.QueueFixture;
import dev.kiln.testing.TestProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The queue's contract, run against every database Kiln supports (one subclass per database).
 * Time is a {@link dev.kiln.testing.MutableClock}: nothing here sleeps.
 */
abstract class JobQueueContract extends QueueContractBase {

    private static final String TYPE = "work";

    @Test
    void submittedJobIsQueuedWithItsFirstEvent() {
        Job job = fx.submit(alice, TYPE);

        Job stored = fx.job(job.id());
        assertThat(stored.state()).isEqualTo(JobState.QUEUED);
        assertThat(stored.seq()).isEqualTo(1);
        assertThat(stored.attempt()).isZero();
        assertThat(stored.id()).matches("job_[a-z2-7]{26}");
        assertThat(fx.events(job.id())).singleElement().satisfies(e -> {
            assertThat(e.seq()).isEqualTo(1);
            assertThat(e.kind()).isEqualTo(EventKind.STATE);
            assertThat(e.data().get("state").asString()).isEqualTo("queued");
        });
    }

    @Test
    void claimMovesJobToRunningUnderALeaseOnce() {
        Job job = fx.submit(alice, TYPE);

        List<JobQueue.Claim> claims = fx.claim(TYPE, 10);

        assertThat(claims).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo(job.id());
            assertThat(c.attempt()).isEqualTo(1);
            assertThat(c.leaseToken()).isNotBlank();
        });
        Job running = fx.job(job.id());
        assertThat(running.state()).isEqualTo(JobState.RUNNING);
        assertThat(running.seq()).isEqualTo(2);
        assertThat(running.startedAt()).isEqualTo(fx.clock.instant());
        assertThat(fx.claim(TYPE, 10)).isEmpty();
        assertThat(fx.claim("other-type", 10)).isEmpty();
    }

    @Test
    void concurrentClaimersTakeEveryJobExactlyOnce() throws Exception {
        FileInfo file = fx.file(alice);
        int jobs = 600;
        fx.store.submitAll(IntStream.range(0, jobs)
                .mapToObj(i -> fx.newJob(i % 2 == 0 ? alice : bob, TYPE, file.id(), 0))
                .map(j -> j.ownerId().equals(alice.id())
                        ? j
                        : NewJob.of(bob.id(), TYPE, fx.file(bob).id(), j.params(), 0, 3))
                .toList());
        Set<String> claimed = ConcurrentHashMap.newKeySet();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String node = "node-" + t;
                done.add(pool.submit(() -> {
                    start.await();
                    while (true) {
                        List<JobQueue.Claim> batch = fx.queue.claim(TYPE, 7, node, QueueFixture.LEASE);
                        if (batch.isEmpty()) {
                            return null;
                        }
                        batch.forEach(c -> {
                            if (!claimed.add(c.id())) {
                                duplicates.add(c.id());
                            }
                        });
                    }
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(duplicates).isEmpty();
        assertThat(claimed).hasSize(jobs);
    }

    @Test
    void oneOwnersBacklogDoesNotStarveAnotherOwnersJob() {
        FileInfo aliceFile = fx.file(alice);
        fx.store.submitAll(IntStream.range(0, 10_000)
                .mapToObj(i -> fx.newJob(alice, TYPE, aliceFile.id(), 0))
                .toList());
        fx.claim(TYPE, 20); // the queue is moving when bob arrives
        Job bobsJob = fx.submit(bob, TYPE);

        List<String> next = fx.claim(TYPE, 10).stream().map(JobQueue.Claim::id).toList();

        assertThat(next).contains(bobsJob.id());
    }

    @Test
    void ownersTakeTurnsWithinAPriority() {
        FileInfo aliceFile = fx.file(alice);
        FileInfo bobFile = fx.file(bob);
        fx.store.submitAll(IntStream.range(0, 50)
                .mapToObj(i -> fx.newJob(alice, TYPE, aliceFile.id(), 0))
                .toList());
        fx.store.submitAll(IntStream.range(0, 5)
                .mapToObj(i -> fx.newJob(bob, TYPE, bobFile.id(), 0))
                .toList());

        List<String> owners =
                fx.claim(TYPE, 10).stream().map(JobQueue.Claim::ownerId).toList();

        assertThat(owners).filteredOn(bob.id()::equals).hasSize(5);
    }

    @Test
    void higherPriorityFirstThenOldestFirst() {
        Job first = fx.submit(alice, TYPE);
        fx.clock.advance(Duration.ofSeconds(1));
        Job second = fx.submit(alice, TYPE);
        fx.clock.advance(Duration.ofSeconds(1));
        Job urgent = fx.store.submit(fx.newJob(alice, TYPE, 5)).job();
        Job low = fx.store.submit(fx.newJob(alice, TYPE, -5)).job();

        List<String> order = IntStream.range(0, 4)
                .mapToObj(i -> fx.claim(TYPE, 1).getFirst().id())
                .toList();

        assertThat(order).containsExactly(urgent.id(), first.id(), second.id(), low.id());
    }

    @Test
    void completionWithTheCurrentLeaseStoresResultAndTerminalEvents() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();

        List<Boolean> accepted = fx.queue.apply(List.of(
                new JobQueue.Progress(job.id(), claim.leaseToken(), 0.5, "halfway"),
                new JobQueue.Partial(
                        job.id(), claim.leaseToken(), fx.json.createObjectNode().put("text", "hello")),
                new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, "{\"answer\":42}"))));

        assertThat(accepted).containsExactly(true, true, true);
        Job done = fx.job(job.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.progress()).isEqualTo(1.0);
        assertThat(done.finishedAt()).isNotNull();
        assertThat(done.result().href()).isEqualTo("/api/v1/jobs/" + job.id() + "/result");
        assertThat(fx.store.result(job.id(), alice)).contains("{\"answer\":42}");
        assertThat(fx.events(job.id()))
                .extracting(JobEvent::kind)
                .containsExactly(
                        EventKind.STATE,
                        EventKind.STATE,
                        EventKind.PROGRESS,
                        EventKind.PARTIAL,
                        EventKind.RESULT,
                        EventKind.STATE);
        assertSeqIsContiguous(job.id(), done.seq());
    }

    @Test
    void zombieWorkerCannotOverwriteANewerAttempt() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim zombie = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        assertThat(fx.maintenance.runOnce()).isEqualTo(1);
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.RETRY_SCHEDULED);
        fx.clock.advance(Duration.ofMinutes(1)); // past the backoff
        fx.maintenance.runOnce(); // queued again
        JobQueue.Claim current =
                fx.queue.claim(TYPE, 1, "node-b", QueueFixture.LEASE).getFirst();
        assertThat(current.attempt()).isEqualTo(2);

        List<Boolean> zombieWrites = fx.queue.apply(List.of(
                new JobQueue.Progress(job.id(), zombie.leaseToken(), 0.9, "zombie"),
                new JobQueue.Partial(job.id(), zombie.leaseToken(), fx.json.createObjectNode()),
                new JobQueue.Finish(
                        job.id(), zombie.leaseToken(), new JobQueue.Succeeded(1, "{\"from\":\"zombie\"}"))));

        assertThat(zombieWrites).containsOnly(false);
        Job stillRunning = fx.job(job.id());
        assertThat(stillRunning.state()).isEqualTo(JobState.RUNNING);
        assertThat(stillRunning.attempt()).isEqualTo(2);
        assertThat(fx.queue.apply(List.of(new JobQueue.Finish(
                        job.id(), current.leaseToken(), new JobQueue.Succeeded(2, "{\"from\":\"current\"}")))))
                .containsExactly(true);
        assertThat(fx.store.result(job.id(), alice)).contains("{\"from\":\"current\"}");
    }

    @Test
    void aStaleAttemptsHeartbeatDoesNotKeepTheNextAttemptsLeaseOnTheSameNode() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim stale = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        assertThat(fx.maintenance.runOnce()).isEqualTo(1);
        fx.clock.advance(Duration.ofMinutes(1)); // past the backoff
        fx.maintenance.runOnce(); // queued again
        JobQueue.Claim current = fx.claim(TYPE, 1).getFirst(); // by the same node, under a new lease
        assertThat(current.leaseToken()).isNotEqualTo(stale.leaseToken());

        assertThat(fx.queue.renew("node-a", Map.of(job.id(), stale.leaseToken()), QueueFixture.LEASE))
                .as("the stale attempt holds nothing")
                .isEmpty();
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        assertThat(fx.maintenance.runOnce())
                .as("the current attempt's lease was not extended for it: it lapses and is rescued")
                .isEqualTo(1);
    }

    @Test
    void jobCompletedJustBeforeTheRescueIsNeverRequeued() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        // The rescuer has seen the expired lease...
        List<JobQueue.Stale> seen = fx.queue.expiredLeases(fx.clock.instant(), 100);
        assertThat(seen).extracting(JobQueue.Stale::id).containsExactly(job.id());
        // ...then the slow worker completes...
        assertThat(fx.queue.apply(
                        List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null)))))
                .containsExactly(true);
        // ...and the rescue, conditional on what it saw, changes nothing.
        List<Boolean> rescued = fx.queue.apply(seen.stream()
                .map(s -> new JobQueue.Finish(
                        s.id(),
                        s.token(),
                        fx.failure(new JobError("lease_expired", "gone", true), s.attempt(), s.maxAttempts()),
                        fx.clock.millis()))
                .toList());

        assertThat(rescued).containsExactly(false);
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(fx.maintenance.runOnce()).isZero();
        assertThat(fx.events(job.id()))
                .filteredOn(e -> e.kind() == EventKind.STATE)
                .extracting(e -> e.data().get("state").asString())
                .containsExactly("queued", "running", "succeeded");
    }

    @Test
    void aRescueDoesNotTouchALeaseRenewedAfterItLooked() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        List<JobQueue.Stale> seen = fx.queue.expiredLeases(fx.clock.instant(), 100);
        // The slow worker's heartbeat gets through before the rescue:
        fx.queue.renew("node-a", Map.of(job.id(), claim.leaseToken()), QueueFixture.LEASE);

        List<Boolean> rescued = fx.queue.apply(seen.stream()
                .map(s -> new JobQueue.Finish(
                        s.id(),
                        s.token(),
                        fx.failure(new JobError("lease_expired", "gone", true), s.attempt(), s.maxAttempts()),
                        fx.clock.millis()))
                .toList());

        assertThat(rescued).containsExactly(false);
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.RUNNING);
        assertThat(fx.queue.apply(
                        List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null)))))
                .containsExactly(true);
    }

    @Test
    void aCancelAskedForWhileAnAttemptEndsWinsOverRetryingReleasingOrFailingIt() {
        Job retrying = fx.submit(alice, TYPE);
        Job releasing = fx.submit(alice, TYPE);
        Job failing = fx.submit(alice, TYPE);
        List<JobQueue.Claim> claims = fx.claim(TYPE, 3);
        List.of(retrying, releasing, failing).forEach(j -> fx.store.cancel(j.id(), alice));

        // The workers end before they hear of the cancel: with a retryable error, at shutdown, with a permanent error.
        Map<String, JobQueue.Outcome> ends = Map.of(
                retrying.id(), fx.failure(new JobError("io_error", "hiccup", true), 1, 3),
                releasing.id(), new JobQueue.Released(1),
                failing.id(), fx.failure(new JobError("bad_input", "unreadable", false), 1, 3));
        List<Boolean> accepted = fx.queue.apply(claims.stream()
                .map(c -> new JobQueue.Finish(c.id(), c.leaseToken(), ends.get(c.id())))
                .toList());

        assertThat(accepted).containsExactly(true, true, true);
        for (Job job : List.of(retrying, releasing, failing)) {
            assertThat(fx.job(job.id()).state()).as(job.id()).isEqualTo(JobState.CANCELLED);
            assertSeqIsContiguous(job.id(), fx.job(job.id()).seq());
        }
        assertThat(fx.claim(TYPE, 3)).isEmpty();
    }

    @Test
    void anExpiredLeaseWithAPendingCancelEndsCancelled() {
        Job job = fx.submit(alice, TYPE);
        fx.claim(TYPE, 1);
        fx.store.cancel(job.id(), alice);
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));

        fx.maintenance.runOnce();

        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void renewedLeaseIsNotRescued() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(QueueFixture.LEASE.minusSeconds(1));
        assertThat(fx.queue.renew("node-a", Map.of(job.id(), claim.leaseToken()), QueueFixture.LEASE))
                .hasSize(1);
        assertThat(fx.queue.renew("node-b", Map.of(job.id(), claim.leaseToken()), QueueFixture.LEASE))
                .isEmpty();
        fx.clock.advance(Duration.ofSeconds(5));

        assertThat(fx.maintenance.runOnce()).isZero();
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void expiredLeaseIsRescuedWithBackoffThenFailsAfterMaxAttempts() {
        Job job = fx.submit(alice, TYPE);
        for (int attempt = 1; attempt <= 3; attempt++) {
            fx.clock.advance(Duration.ofHours(1)); // past any backoff
            fx.maintenance.runOnce(); // a due retry is queued again
            assertThat(fx.claim(TYPE, 1))
                    .singleElement()
                    .extracting(JobQueue.Claim::attempt)
                    .isEqualTo(attempt);
            fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
            assertThat(fx.maintenance.runOnce()).isEqualTo(1);
            Job rescued = fx.job(job.id());
            assertThat(rescued.error().code()).isEqualTo("lease_expired");
            if (attempt < 3) {
                assertThat(rescued.state()).isEqualTo(JobState.RETRY_SCHEDULED);
                assertThat(rescued.retryAt()).isAfter(fx.clock.instant());
                assertThat(fx.claim(TYPE, 1)).as("not claimable during backoff").isEmpty();
            } else {
                assertThat(rescued.state()).isEqualTo(JobState.FAILED);
                assertThat(rescued.finishedAt()).isNotNull();
            }
        }
        assertSeqIsContiguous(job.id(), fx.job(job.id()).seq());
    }

    @Test
    void retryableFailureWaitsOutItsBackoffAndPermanentFailureIsFinal() {
        Job flaky = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        JobQueue.Outcome failed = fx.failure(new JobError("io_error", "disk hiccup", true), 1, 3);
        fx.queue.apply(List.of(new JobQueue.Finish(flaky.id(), claim.leaseToken(), failed)));

        Job waiting = fx.job(flaky.id());
        assertThat(waiting.state()).isEqualTo(JobState.RETRY_SCHEDULED);
        Duration backoff = Duration.between(fx.clock.instant(), waiting.retryAt());
        assertThat(backoff).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
        assertThat(fx.claim(TYPE, 1)).isEmpty();
        fx.clock.advance(backoff.minusMillis(1));
        assertThat(fx.queue.promoteDueRetries(fx.clock.instant(), 10)).isEmpty();
        fx.clock.advance(Duration.ofMillis(1));
        assertThat(fx.claim(TYPE, 1))
                .as("a due retry is not claimed before it is queued again")
                .isEmpty();
        assertThat(fx.queue.promoteDueRetries(fx.clock.instant(), 10))
                .extracting(Moved::id)
                .containsExactly(flaky.id());
        assertThat(fx.events(flaky.id()).getLast().data().get("reason").asString())
                .isEqualTo("retry_due");
        assertThat(fx.moved(Transition.PROMOTE, flaky.id()))
                .as("the worker pool hears of it")
                .isTrue();
        assertThat(fx.job(flaky.id()).error())
                .as("waiting for its next attempt, the job says why")
                .isEqualTo(new JobError("io_error", "disk hiccup", true));
        JobQueue.Claim second = fx.claim(TYPE, 1).getFirst();
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(fx.job(flaky.id()).error())
                .as("a new attempt is not shown with the last one's error")
                .isNull();

        fx.queue.apply(List.of(new JobQueue.Finish(
                flaky.id(), second.leaseToken(), fx.failure(new JobError("invalid_input", "not audio", false), 2, 3))));
        Job failedForGood = fx.job(flaky.id());
        assertThat(failedForGood.state()).isEqualTo(JobState.FAILED);
        assertThat(failedForGood.error()).isEqualTo(new JobError("invalid_input", "not audio", false));
        assertThat(fx.events(flaky.id()))
                .filteredOn(e -> e.kind() == EventKind.ERROR)
                .hasSize(2);
    }

    @Test
    void aJobThatSucceedsAfterAFailedAttemptCarriesNoError() {
        Job flaky = fx.submit(alice, TYPE);
        JobQueue.Claim first = fx.claim(TYPE, 1).getFirst();
        fx.queue.apply(List.of(new JobQueue.Finish(
                flaky.id(), first.leaseToken(), fx.failure(new JobError("io_error", "disk hiccup", true), 1, 3))));
        fx.clock.advance(Duration.ofMinutes(1));
        fx.queue.promoteDueRetries(fx.clock.instant(), 10);
        JobQueue.Claim second = fx.claim(TYPE, 1).getFirst();
        fx.queue.apply(List.of(
                new JobQueue.Finish(flaky.id(), second.leaseToken(), new JobQueue.Succeeded(2, "{\"answer\":42}"))));

        Job done = fx.job(flaky.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.error()).isNull();
        assertThat(fx.events(flaky.id()))
                .as("the log still tells of the failed attempt")
                .filteredOn(e -> e.kind() == EventKind.ERROR)
                .hasSize(1);
    }

    @Test
    void cancellingAQueuedJobCancelsItAtOnce() {
        Job job = fx.submit(alice, TYPE);

        assertThat(fx.store.cancel(job.id(), alice)).get().isInstanceOf(JobStore.CancelOutcome.Cancelled.class);

        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(fx.claim(TYPE, 1)).isEmpty();
        assertThat(fx.store.cancel(job.id(), alice)).get().isInstanceOf(JobStore.CancelOutcome.AlreadyCancelled.class);
    }

    @Test
    void cancellingARunningJobMarksItAndSignalsItsWorker() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();

        assertThat(fx.store.cancel(job.id(), alice)).get().isInstanceOf(JobStore.CancelOutcome.Requested.class);

        Job marked = fx.job(job.id());
        assertThat(marked.state()).isEqualTo(JobState.RUNNING);
        assertThat(marked.cancelRequested()).isTrue();
        assertThat(fx.moved(Transition.REQUEST_CANCEL, job.id()))
                .as("its worker hears of it")
                .isTrue();
        assertThat(fx.queue.renew("node-a", Map.of(job.id(), claim.leaseToken()), QueueFixture.LEASE))
                .singleElement()
                .extracting(JobQueue.Lease::cancelRequestedAt)
                .isNotNull();
        // The worker stops in time:
        assertThat(fx.queue.apply(
                        List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Cancelled(1)))))
                .containsExactly(true);
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void cancelNotHonouredWithinTheBoundIsEnforcedAndALateCompletionRejected() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.store.cancel(job.id(), alice);
        fx.clock.advance(fx.jobSettings.cancelTimeout().minusSeconds(1));
        fx.queue.renew(
                "node-a", Map.of(job.id(), claim.leaseToken()), QueueFixture.LEASE); // the stubborn worker is alive
        assertThat(fx.maintenance.runOnce()).isZero();

        fx.clock.advance(Duration.ofSeconds(2));
        assertThat(fx.maintenance.runOnce()).isEqualTo(1);

        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(fx.queue.apply(
                        List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, "{}")))))
                .containsExactly(false);
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void finishedJobsCannotBeCancelledAndOnlyFailedOrCancelledCanBeRetried() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.queue.apply(List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null))));

        assertThat(fx.store.cancel(job.id(), alice)).get().isInstanceOf(JobStore.CancelOutcome.AlreadyFinished.class);
        assertThat(fx.store.retry(job.id(), alice)).get().isInstanceOf(JobStore.RetryOutcome.NotRetryable.class);
        Job queued = fx.submit(alice, TYPE);
        assertThat(fx.store.retry(queued.id(), alice)).get().isInstanceOf(JobStore.RetryOutcome.NotRetryable.class);
    }

    @Test
    void retryPutsAFailedJobBackWithFreshAttempts() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.queue.apply(List.of(new JobQueue.Finish(
                job.id(), claim.leaseToken(), fx.failure(new JobError("invalid_input", "bad", false), 1, 3))));

        assertThat(fx.store.retry(job.id(), alice)).get().isInstanceOf(JobStore.RetryOutcome.Requeued.class);

        Job requeued = fx.job(job.id());
        assertThat(requeued.state()).isEqualTo(JobState.QUEUED);
        assertThat(requeued.attempt()).isZero();
        assertThat(requeued.error()).isNull();
        assertThat(requeued.finishedAt()).isNull();
        assertThat(fx.claim(TYPE, 1))
                .singleElement()
                .extracting(JobQueue.Claim::attempt)
                .isEqualTo(1);
        assertSeqIsContiguous(job.id(), fx.job(job.id()).seq());
    }

    @Test
    void releasedJobIsQueuedAtOnceWithoutSpendingAnAttempt() {
        Job job = fx.submit(alice, TYPE);
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();

        fx.queue.apply(List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Released(1))));

        Job released = fx.job(job.id());
        assertThat(released.state()).isEqualTo(JobState.QUEUED);
        assertThat(released.attempt()).isZero();
        assertThat(fx.claim(TYPE, 1))
                .singleElement()
                .extracting(JobQueue.Claim::attempt)
                .isEqualTo(1);
    }

    @Test
    void sameIdempotencyKeyReturnsTheOriginalJobAndADifferentRequestIsRefused() {
        NewJob request = NewJob.of(alice.id(), TYPE, fx.file(alice).id(), fx.json.createObjectNode(), 0, 3)
                .withIdempotencyKey("key-1", "hash-a");

        JobStore.Submission first = fx.store.submit(request);
        JobStore.Submission again = fx.store.submit(request);

        assertThat(first.replayed()).isFalse();
        assertThat(again.replayed()).isTrue();
        assertThat(again.job().id()).isEqualTo(first.job().id());
        assertThatThrownBy(() -> fx.store.submit(
                        NewJob.of(alice.id(), TYPE, request.inputFileId(), fx.json.createObjectNode(), 0, 3)
                                .withIdempotencyKey("key-1", "hash-b")))
                .isInstanceOf(JobStore.KeyReused.class);
        // Keys belong to their owner: bob may use the same key.
        assertThat(fx.store
                        .submit(NewJob.of(bob.id(), TYPE, fx.file(bob).id(), fx.json.createObjectNode(), 0, 3)
                                .withIdempotencyKey("key-1", "hash-a"))
                        .replayed())
                .isFalse();
    }

    @Test
    void concurrentRequestsWithOneIdempotencyKeyCreateOneJob() throws Exception {
        NewJob request = NewJob.of(alice.id(), TYPE, fx.file(alice).id(), fx.json.createObjectNode(), 0, 3)
                .withIdempotencyKey("key-2", "hash");
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<JobStore.Submission>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return fx.store.submit(request);
                }));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            for (Future<JobStore.Submission> r : results) {
                ids.add(r.get().job().id());
            }
            assertThat(ids).hasSize(1);
        }
        assertThat(fx.store.list(alice, null, null, null, 100).items()).hasSize(1);
    }

    @Test
    void idempotencyKeysAreForgottenAfterTheRetention() {
        NewJob request = NewJob.of(alice.id(), TYPE, fx.file(alice).id(), fx.json.createObjectNode(), 0, 3)
                .withIdempotencyKey("key-3", "hash");
        String firstId = fx.store.submit(request).job().id();
        fx.clock.advance(fx.jobSettings.idempotencyRetention().minusMinutes(1));
        assertThat(fx.store.pruneIdempotencyKeys(fx.clock.instant().minus(fx.jobSettings.idempotencyRetention())))
                .isZero();
        assertThat(fx.store.submit(request).job().id()).isEqualTo(firstId);

        fx.clock.advance(Duration.ofMinutes(2));
        assertThat(fx.store.pruneIdempotencyKeys(fx.clock.instant().minus(fx.jobSettings.idempotencyRetention())))
                .isOne();
        assertThat(fx.store.submit(request).job().id()).isNotEqualTo(firstId);
    }

    @Test
    void listingIsNewestFirstAndPagesNeitherRepeatNorSkip() {
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            submitted.add(fx.submit(alice, TYPE).id());
            if (i % 3 == 0) {
                fx.clock.advance(Duration.ofMillis(1)); // some share a timestamp, some do not
            }
        }
        fx.submit(bob, TYPE);

        List<String> seen = new ArrayList<>();
        PageCursor cursor = null;
        int pages = 0;
        do {
            JobStore.Page page = fx.store.list(alice, null, null, cursor, 10);
            page.items().forEach(j -> seen.add(j.id()));
            if (pages == 0) {
                fx.submit(alice, TYPE); // arrives while paging; lands before the first page, not in the middle
            }
            cursor = page.nextCursor() == null
                    ? null
                    : PageCursor.decode(page.nextCursor(), "job").orElseThrow();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(25).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(submitted);
        List<Job> all = fx.store.list(alice, null, null, null, 100).items();
        assertThat(all)
                .isSortedAccordingTo((a, b) -> a.createdAt().equals(b.createdAt())
                        ? b.id().compareTo(a.id())
                        : b.createdAt().compareTo(a.createdAt()));
    }

    @Test
    void listingFiltersByStateAndTypeAndAdminsSeeEveryone() {
        Job queued = fx.submit(alice, TYPE);
        Job other = fx.submit(alice, "other");
        fx.submit(bob, TYPE);
        fx.store.cancel(other.id(), alice);

        assertThat(fx.store.list(alice, JobState.QUEUED, null, null, 10).items())
                .extracting(Job::id)
                .containsExactly(queued.id());
        assertThat(fx.store.list(alice, null, "other", null, 10).items())
                .extracting(Job::id)
                .containsExactly(other.id());
        assertThat(fx.store.list(fx.admin("root"), null, null, null, 10).items())
                .hasSize(3);
    }

    @Test
    void otherUsersJobsAreInvisible() {
        Job job = fx.submit(alice, TYPE);

        assertThat(fx.store.find(job.id(), bob)).isEmpty();
        assertThat(fx.store.cancel(job.id(), bob)).isEmpty();
        assertThat(fx.store.retry(job.id(), bob)).isEmpty();
        assertThat(fx.store.result(job.id(), bob)).isEmpty();
        assertThat(fx.store.find(job.id(), fx.admin("root"))).isPresent();
        assertThat(fx.store.find("job_doesnotexist", alice)).isEmpty();
        assertThat(fx.job(job.id()).state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void liveSubscribersHearCommittedEventsOnlyByJobAndByOwner() {
        List<JobEvent> byJob = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<JobEvent> byOwner = new java.util.concurrent.CopyOnWriteArrayList<>();
        fx.hub.followOwner(alice.id(), byOwner::add);
        Job job = fx.submit(alice, TYPE);
        fx.hub.followJob(job.id(), byJob::add);
        fx.submit(bob, TYPE);

        JobQueue.Claim claim = fx.claim(TYPE, 2).stream()
                .filter(c -> c.id().equals(job.id()))
                .findFirst()
                .orElseThrow();
        // A rolled-back transaction announces nothing.
        assertThatThrownBy(() -> fx.db.write(() -> {
                    fx.events.append(List.of(new JobEvent(
                            job.id(),
                            alice.id(),
                            99,
                            EventKind.PARTIAL,
                            fx.json.createObjectNode(),
                            fx.clock.instant())));
                    throw new IllegalStateException("roll back");
                }))
                .isInstanceOf(IllegalStateException.class);
        fx.queue.apply(List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null))));

        assertThat(byJob).extracting(JobEvent::seq).containsExactly(2L, 3L);
        assertThat(byOwner).extracting(JobEvent::job).containsOnly(job.id());
        assertThat(byOwner).extracting(JobEvent::seq).containsExactly(1L, 2L, 3L);
        assertThat(byOwner).allSatisfy(e -> assertThat(e.owner()).isEqualTo(alice.id()));
    }

    @Test
    void metricsCountOnlyCommittedChanges() {
        // A submission its admission check refuses rolls back: nothing was submitted.
        assertThatThrownBy(() -> fx.store.submit(fx.newJob(alice, TYPE), () -> {
                    throw new IllegalStateException("refused");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(count("kiln.jobs.submitted", TYPE)).isZero();

        Job job = fx.submit(alice, TYPE);
        fx.clock.advance(Duration.ofSeconds(7));
        JobQueue.Claim claim = fx.claim(TYPE, 1).getFirst();
        fx.clock.advance(Duration.ofSeconds(90));
        fx.queue.apply(List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null))));
        // A late write of the same attempt is refused: not a second success.
        fx.queue.apply(List.of(new JobQueue.Finish(job.id(), claim.leaseToken(), new JobQueue.Succeeded(1, null))));

        assertThat(count("kiln.jobs.submitted", TYPE)).isEqualTo(1);
        assertThat(count("kiln.jobs.started", TYPE)).isEqualTo(1);
        assertThat(count("kiln.jobs.succeeded", TYPE)).isEqualTo(1);
        assertThat(fx.meters
                        .get("kiln.jobs.wait.time")
                        .tag("type", TYPE)
                        .timer()
                        .totalTime(TimeUnit.SECONDS))
                .isEqualTo(7);
        assertThat(fx.meters
                        .get("kiln.jobs.run.time")
                        .tag("type", TYPE)
                        .tag("outcome", "succeeded")
                        .timer()
                        .totalTime(TimeUnit.SECONDS))
                .isEqualTo(90);
    }

    @Test
    void metricsTellRescuesRetriesAndCancelsApart() {
        Job rescued = fx.submit(alice, TYPE);
        fx.claim(TYPE, 1);
        fx.clock.advance(QueueFixture.LEASE.plusSeconds(1));
        assertThat(fx.maintenance.runOnce()).isEqualTo(1);
        assertThat(fx.job(rescued.id()).state()).isEqualTo(JobState.RETRY_SCHEDULED);
        Job waiting = fx.submit(bob, TYPE);
        assertThat(fx.store.cancel(waiting.id(), bob)).containsInstanceOf(JobStore.CancelOutcome.Cancelled.class);
        assertThat(fx.store.retry(waiting.id(), bob)).containsInstanceOf(JobStore.RetryOutcome.Requeued.class);

        assertThat(count("kiln.jobs.lease.rescues", TYPE)).isEqualTo(1);
        assertThat(fx.meters
                        .get("kiln.jobs.retried")
                        .tag("type", TYPE)
                        .tag("trigger", "automatic")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(fx.meters
                        .get("kiln.jobs.retried")
                        .tag("type", TYPE)
                        .tag("trigger", "manual")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(count("kiln.jobs.cancelled", TYPE)).isEqualTo(1);
        assertThat(count("kiln.jobs.failed", TYPE)).isZero();
    }

    @Test
    void queueGaugesReadTheDatabaseAtMostEveryFewSeconds() {
        new QueueGauges(
                fx.db,
                fx.clock,
                fx.meters,
                new ProcessorRegistry(
                        List.of(new TestProcessor(TYPE, ParamsSchema.of(), context -> null)),
                        new ProcessorSettings(Map.of())));
        assertThat(gauge("kiln.queue.depth")).isZero();
        assertThat(gauge("kiln.queue.oldest.age")).isZero();

        fx.clock.advance(QueueGauges.FRESH_FOR);
        fx.submit(alice, TYPE);
        fx.clock.advance(Duration.ofSeconds(30));
        fx.submit(bob, TYPE);
        assertThat(gauge("kiln.queue.depth")).isEqualTo(2);
        assertThat(gauge("kiln.queue.oldest.age")).isEqualTo(30);

        fx.claim(TYPE, 2);
        assertThat(gauge("kiln.queue.depth"))
                .as("still the snapshot of a moment ago")
                .isEqualTo(2);
        fx.clock.advance(QueueGauges.FRESH_FOR);
        assertThat(gauge("kiln.queue.depth")).isZero();
        assertThat(gauge("kiln.queue.oldest.age")).isZero();
    }

    private double gauge(String name) {
        return fx.meters.get(name).tag("type", TYPE).gauge().value();
    }

    private double count(String counter, String type) {
        var found = fx.meters.find(counter).tag("type", type).counter();
        return found == null ? 0 : found.count();
    }

    void assertSeqIsContiguous(String jobId, long lastSeq) {
        assertThat(fx.events(jobId))
                .extracting(JobEvent::seq)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, lastSeq).boxed().toList());
    }
}
