package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.events.JobEvent;
import dev.kiln.testing.QueueFixture;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The table is the mechanism: each arrow's method, run on a real database against a job in every
 * state, moves it exactly when the table lets it leave that state, and never when one of the
 * arrow's guards does not hold — then neither the row nor the event log changes.
 */
abstract class StateMachineContract extends QueueContractBase {

    private static final String TYPE = "work";
    private static final String NODE = "node-a";
    private static final String TOKEN = "lease-token";

    /** What an arrow's method is called with: the job, and the lease token and node it claims to hold. */
    private record Call(String jobId, String token, String node) {}

    private Map<Transition, Consumer<Call>> calls() {
        Instant now = fx.clock.instant();
        long until = now.plus(QueueFixture.LEASE).toEpochMilli();
        JobError error = new JobError("io_error", "hiccup", true);
        Map<Transition, Consumer<Call>> calls = new EnumMap<>(Transition.class);
        calls.put(Transition.CLAIM, c -> fx.arrows.claim(TYPE, 10, c.node(), c.token(), until, now));
        calls.put(Transition.RENEW, c -> fx.arrows.renew(c.node(), Map.of(c.jobId(), c.token()), until));
        calls.put(
                Transition.REPORT,
                c -> fx.arrows.report(
                        List.of(new Report(
                                c.jobId(),
                                c.token(),
                                List.of(new JobQueue.Partial(
                                        c.jobId(),
                                        c.token(),
                                        JsonNodeFactory.instance.objectNode().put("text", "hi"))))),
                        now));
        calls.put(Transition.REQUEST_CANCEL, c -> fx.arrows.requestCancel(c.jobId(), now));
        calls.put(Transition.SUCCEED, c -> fx.arrows.succeed(List.of(finish(c, new JobQueue.Succeeded(1, "{}"))), now));
        calls.put(
                Transition.RETRY,
                c -> fx.arrows.retry(
                        List.of(finish(c, new JobQueue.Failed(error, 1, JobState.RETRY_SCHEDULED, now.plusSeconds(5)))),
                        now));
        calls.put(
                Transition.FAIL,
                c -> fx.arrows.fail(List.of(finish(c, new JobQueue.Failed(error, 1, JobState.FAILED, null))), now));
        calls.put(
                Transition.CANCEL_RUNNING,
                c -> fx.arrows.cancelRunning(List.of(finish(c, new JobQueue.Cancelled(1))), now));
        calls.put(Transition.RELEASE, c -> fx.arrows.release(List.of(finish(c, new JobQueue.Released(1))), now));
        calls.put(Transition.CANCEL_WAITING, c -> fx.arrows.cancelWaiting(c.jobId(), now));
        calls.put(Transition.PROMOTE, c -> fx.arrows.promote(List.of(c.jobId()), now));
        calls.put(Transition.MANUAL_RETRY, c -> fx.arrows.manualRetry(c.jobId(), 0, now));
        calls.put(Transition.SUBMIT, c -> {}); // an INSERT: it has no state to leave (see below)
        calls.put(Transition.SUBMIT_REUSED, c -> {}); // an INSERT too
        return calls;
    }

    private static List<JobsEnded> endedIn(List<Object> published, Job job) {
        return published.stream()
                .filter(JobsEnded.class::isInstance)
                .map(JobsEnded.class::cast)
                .filter(e -> e.jobs().stream().anyMatch(m -> m.id().equals(job.id())))
                .toList();
    }

    private static JobQueue.Finish finish(Call c, JobQueue.Outcome outcome) {
        return new JobQueue.Finish(c.jobId(), c.token(), outcome);
    }

    @Test
    void everyArrowMovesAJobFromExactlyTheStatesTheTableAllowsAndToItsTarget() {
        Map<Transition, Consumer<Call>> calls = calls();
        assertThat(calls.keySet()).containsExactlyInAnyOrder(Transition.values());
        for (Transition arrow : Transition.values()) {
            if (arrow.from().isEmpty()) {
                continue; // an INSERT
            }
            for (JobState state : JobState.values()) {
                Job job = jobIn(state);
                List<JobEvent> before = fx.events(job.id());
                int publishedBefore = fx.publishedInWrite.size();
                fx.db.write(() -> calls.get(arrow).accept(new Call(job.id(), TOKEN, NODE)));
                Job after = fx.job(job.id());
                String what = arrow + " on a job in " + state;
                List<JobsEnded> ended =
                        endedIn(fx.publishedInWrite.subList(publishedBefore, fx.publishedInWrite.size()), job);
                if (arrow.from().contains(state) && arrow.to().isFinal()) {
                    assertThat(ended)
                            .as(what + ": its end told inside its transaction, with its final seq")
                            .singleElement()
                            .satisfies(e -> {
                                assertThat(e.state()).isEqualTo(arrow.to());
                                assertThat(e.jobs())
                                        .singleElement()
                                        .satisfies(m -> assertThat(m.seq()).isEqualTo(after.seq()));
                            });
                } else {
                    assertThat(ended).as(what + ": no end").isEmpty();
                }
                if (arrow.from().contains(state)) {
                    assertThat(after.state()).as(what).isEqualTo(arrow.to());
                    assertThat(fx.events(job.id()))
                            .as(what + ": its events, numbered on from the row's seq")
                            .hasSizeGreaterThanOrEqualTo(before.size())
                            .extracting(JobEvent::seq)
                            .doesNotHaveDuplicates();
                    assertThat(after.seq())
                            .as(what)
                            .isEqualTo(fx.events(job.id()).getLast().seq());
                } else {
                    assertUnchanged(what, job, before);
                }
                cancelQuietly(job);
            }
        }
    }

    @Test
    void submittingInsertsAQueuedJob() {
        Job job = fx.submit(alice, TYPE);
        assertThat(Transition.SUBMIT.from()).isEmpty();
        assertThat(fx.job(job.id()).state()).isEqualTo(Transition.SUBMIT.to());
    }

    @Test
    void aReusedSubmissionIsInsertedSucceededWithACopyOfTheResultAndItsTwoEvents() {
        Job source = succeededWith("{\"text\":\"done\"}");
        NewJob twin = reusing(source);

        Job reused = fx.store.submit(twin).job();

        Job stored = fx.job(reused.id());
        assertThat(Transition.SUBMIT_REUSED.from()).isEmpty();
        assertThat(stored.state()).isEqualTo(Transition.SUBMIT_REUSED.to());
        assertThat(stored.reusedFrom()).isEqualTo(source.id());
        assertThat(stored.resultSize()).isEqualTo(fx.job(source.id()).resultSize());
        assertThat(stored.seq()).isEqualTo(2);
        assertThat(fx.events(reused.id()))
                .extracting(e -> e.kind().wire() + ":" + e.data().path("state").asString(""))
                .containsExactly("result:", "state:succeeded");
        assertThat(fx.events(reused.id()).getLast().data().get("reusedFrom").asString())
                .isEqualTo(source.id());
        assertThat(body(reused.id())).isEqualTo(body(source.id()));
        assertThat(endedIn(fx.publishedInWrite, reused))
                .as("an end, told inside its transaction")
                .singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(JobState.SUCCEEDED));

        // The copy is the reused job's own: it outlives its source.
        fx.db.sql().sql("DELETE FROM jobs WHERE id = ?").param(source.id()).update();
        assertThat(body(reused.id())).isEqualTo("{\"text\":\"done\"}");
    }

    @Test
    void aJobThatMayNotReuseOrHasNoTwinIsQueued() {
        Job source = succeededWith("{}");
        NewJob twin = reusing(source);
        NewJob mayNot = NewJob.of(alice.id(), TYPE, twin.inputFileId(), twin.params(), 0, 3)
                .withReuse(twin.reuseKey(), false);
        NewJob otherKey = NewJob.of(alice.id(), TYPE, twin.inputFileId(), twin.params(), 0, 3)
                .withReuse("another-key", true);

        assertThat(fx.store.submit(mayNot).job().state()).isEqualTo(JobState.QUEUED);
        assertThat(fx.store.submit(otherKey).job().state()).isEqualTo(JobState.QUEUED);
        NewJob bobs = NewJob.of(fx.user("bob-" + java.util.UUID.randomUUID()).id(), TYPE, null, twin.params(), 0, 3)
                .withReuse(twin.reuseKey(), true);
        assertThat(fx.store.submit(bobs).job().state()).as("another owner's").isEqualTo(JobState.QUEUED);
    }

    @Test
    void aSourceWhoseResultWentBeforeTheCopyRollsTheReuseBack() {
        Job source = succeededWith("{}");
        NewJob twin = reusing(source);
        Reuse.Source gone = new Reuse.Source(source.id(), 2L);
        fx.db.sql()
                .sql("DELETE FROM job_results WHERE job_id = ?")
                .param(source.id())
                .update();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> fx.db.write(() -> fx.arrows.submitReused(twin, gone, fx.clock.instant())))
                .isInstanceOf(Reuse.SourceGone.class);
        assertThat(fx.db.sql()
                        .sql("SELECT count(*) FROM jobs WHERE reused_from = ?")
                        .param(source.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    /** A succeeded job of alice's with {@code result}, and the reuse key a twin of it would have. */
    private Job succeededWith(String result) {
        Job job = jobIn(JobState.RUNNING);
        fx.db.sql()
                .sql("UPDATE jobs SET reuse_key = ? WHERE id = ?")
                .params("key-" + job.id(), job.id())
                .update();
        fx.db.write(() -> fx.arrows.succeed(
                List.of(finish(new Call(job.id(), TOKEN, NODE), new JobQueue.Succeeded(1, result))),
                fx.clock.instant()));
        return fx.job(job.id());
    }

    private NewJob reusing(Job source) {
        return NewJob.of(alice.id(), TYPE, source.inputFileId(), fx.json.createObjectNode(), 0, 3)
                .withReuse("key-" + source.id(), true);
    }

    private String body(String jobId) {
        return fx.db.sql()
                .sql("SELECT body FROM job_results WHERE job_id = ?")
                .param(jobId)
                .query(String.class)
                .single();
    }

    @Test
    void anArrowWhoseGuardDoesNotHoldChangesNothing() {
        Map<Transition, Consumer<Call>> calls = calls();
        for (Transition arrow : Transition.values()) {
            for (Transition.Guard guard : arrow.guards()) {
                JobState state = arrow.from().iterator().next();
                Job job = jobIn(state);
                Call call = new Call(job.id(), TOKEN, NODE);
                switch (guard) {
                    case LEASE -> call = new Call(job.id(), "another-attempts-token", NODE);
                    case NODE -> call = new Call(job.id(), TOKEN, "node-b");
                    case NO_CANCEL_REQUEST ->
                        fx.db.sql()
                                .sql("UPDATE jobs SET cancel_requested_at = ? WHERE id = ?")
                                .params(fx.clock.millis(), job.id())
                                .update();
                    case DUE ->
                        fx.db.sql()
                                .sql("UPDATE jobs SET run_after = ? WHERE id = ?")
                                .params(fx.clock.millis() + 60_000, job.id())
                                .update();
                }
                Job guarded = fx.job(job.id());
                List<JobEvent> before = fx.events(job.id());
                Call made = call;
                fx.db.write(() -> calls.get(arrow).accept(made));
                assertUnchanged(arrow + " with " + guard + " not holding", guarded, before);
                cancelQuietly(job);
            }
        }
    }

    @Test
    void aRescueTakesAnAttemptsArrowOnlyWhileItsLeaseIsStillExpired() {
        Job job = jobIn(JobState.RUNNING);
        long expiredAt = fx.job(job.id()).startedAt().toEpochMilli(); // the lease expiry set below
        fx.db.sql()
                .sql("UPDATE jobs SET lease_expires_at = ? WHERE id = ?")
                .params(expiredAt, job.id())
                .update();
        JobQueue.Finish lookedTooEarly = new JobQueue.Finish(job.id(), TOKEN, new JobQueue.Cancelled(1), expiredAt);
        assertThat(fx.db.write(() -> fx.arrows.cancelRunning(List.of(lookedTooEarly), fx.clock.instant())))
                .isEmpty();
        JobQueue.Finish expired = new JobQueue.Finish(job.id(), TOKEN, new JobQueue.Cancelled(1), expiredAt + 1);
        assertThat(fx.db.write(() -> fx.arrows.cancelRunning(List.of(expired), fx.clock.instant())))
                .containsExactly(job.id());
    }

    private void assertUnchanged(String what, Job before, List<JobEvent> eventsBefore) {
        Job after = fx.job(before.id());
        assertThat(after.state()).as(what).isEqualTo(before.state());
        assertThat(after.seq()).as(what).isEqualTo(before.seq());
        assertThat(after.cancelRequested()).as(what).isEqualTo(before.cancelRequested());
        assertThat(fx.events(before.id())).as(what).hasSameSizeAs(eventsBefore);
    }

    /** A job of alice's in {@code state}, held (when running) under {@link #TOKEN} by {@link #NODE}, its backoff over. */
    private Job jobIn(JobState state) {
        Job job = fx.submit(alice, TYPE);
        long now = fx.clock.millis();
        fx.db.sql()
                .sql("""
                        UPDATE jobs SET state = ?, lease_token = ?, lease_node = ?, lease_expires_at = ?, started_at = ?,
                               run_after = ?, attempt = 1
                        WHERE id = ?""")
                .params(
                        state.wire(),
                        state == JobState.RUNNING ? TOKEN : null,
                        state == JobState.RUNNING ? NODE : null,
                        state == JobState.RUNNING ? now + 15_000 : null,
                        state == JobState.RUNNING ? now : null,
                        now,
                        job.id())
                .update();
        return fx.job(job.id());
    }

    /** Takes the job out of the way of the next case (a queued job would be claimed by the next CLAIM). */
    private void cancelQuietly(Job job) {
        fx.db.sql()
                .sql("UPDATE jobs SET state = 'cancelled' WHERE id = ?")
                .param(job.id())
                .update();
    }
}
