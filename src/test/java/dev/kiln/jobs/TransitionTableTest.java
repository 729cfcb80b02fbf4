package dev.kiln.jobs;

import static dev.kiln.jobs.JobState.CANCELLED;
import static dev.kiln.jobs.JobState.FAILED;
import static dev.kiln.jobs.JobState.QUEUED;
import static dev.kiln.jobs.JobState.RETRY_SCHEDULED;
import static dev.kiln.jobs.JobState.RUNNING;
import static dev.kiln.jobs.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The table itself; that the state machine follows it on a real database is {@link StateMachineContract}. */
class TransitionTableTest {

    /** The whole table, spelled out as changes of state: a change to it must change this test too. */
    @Test
    void everyChangeOfStateIsAllowedOrForbiddenAsDesigned() {
        expect(QUEUED, RUNNING, CANCELLED);
        expect(RETRY_SCHEDULED, QUEUED, CANCELLED);
        expect(RUNNING, SUCCEEDED, FAILED, CANCELLED, RETRY_SCHEDULED, QUEUED);
        expect(SUCCEEDED);
        expect(FAILED, QUEUED);
        expect(CANCELLED, QUEUED);
    }

    @Test
    void everyArrowHasExactlyOneMethodOfTheStateMachine() {
        List<Transition> annotated = Arrays.stream(JobStateMachine.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(JobStateMachine.Arrow.class))
                .map(m -> m.getAnnotation(JobStateMachine.Arrow.class).value())
                .toList();
        assertThat(annotated).containsExactlyInAnyOrder(Transition.values());
    }

    @Test
    void finalStatesAreTheOnesWithoutAWayForwardButARetryByHand() {
        assertThat(EnumSet.allOf(JobState.class))
                .filteredOn(JobState::isFinal)
                .containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED);
        for (JobState end : List.of(SUCCEEDED, FAILED, CANCELLED)) {
            assertThat(Arrays.stream(Transition.values()).filter(t -> t.from().contains(end)))
                    .allMatch(t -> t == Transition.MANUAL_RETRY);
        }
        assertThat(Transition.CLAIMABLE)
                .as("must match the claim indexes' predicate")
                .isEqualTo("state = 'queued'");
    }

    @Test
    void guardsAreBuiltIntoTheStatements() {
        assertThat(Transition.SUCCEED.where())
                .isEqualTo("state = 'running' AND lease_token = :token AND lease_expires_at < :expiredBefore");
        assertThat(Transition.RETRY.where()).contains("cancel_requested_at IS NULL");
        assertThat(Transition.CANCEL_WAITING.where()).isEqualTo("state IN ('queued', 'retry_scheduled')");
        assertThat(Transition.MANUAL_RETRY.update("1", "attempt = 0", "id"))
                .isEqualTo("UPDATE jobs SET state = 'queued', seq = seq + 1, attempt = 0"
                        + " WHERE id = :id AND state IN ('cancelled', 'failed') RETURNING id");
    }

    @Test
    void wireNamesRoundTrip() {
        for (JobState s : JobState.values()) {
            assertThat(JobState.fromWire(s.wire())).isEqualTo(s);
        }
        assertThat(RETRY_SCHEDULED.wire()).isEqualTo("retry_scheduled");
    }

    private static void expect(JobState from, JobState... to) {
        Set<JobState> allowed = to.length == 0 ? EnumSet.noneOf(JobState.class) : EnumSet.of(to[0], to);
        for (JobState target : JobState.values()) {
            assertThat(Transition.allowed(from, target))
                    .as(from + " -> " + target)
                    .isEqualTo(allowed.contains(target));
        }
    }
}
