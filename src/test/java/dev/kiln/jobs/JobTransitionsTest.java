package dev.kiln.jobs;

import static dev.kiln.jobs.JobState.CANCELLED;
import static dev.kiln.jobs.JobState.FAILED;
import static dev.kiln.jobs.JobState.QUEUED;
import static dev.kiln.jobs.JobState.RETRY_SCHEDULED;
import static dev.kiln.jobs.JobState.RUNNING;
import static dev.kiln.jobs.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobTransitionsTest {

    /** The whole table, spelled out: a change to it must change this test too. */
    @Test
    void everyPairIsAllowedOrForbiddenAsDesigned() {
        expect(QUEUED, RUNNING, CANCELLED);
        expect(RETRY_SCHEDULED, QUEUED, CANCELLED);
        expect(RUNNING, SUCCEEDED, FAILED, CANCELLED, RETRY_SCHEDULED, QUEUED);
        expect(SUCCEEDED);
        expect(FAILED, QUEUED);
        expect(CANCELLED, QUEUED);
    }

    @Test
    void finalStatesAreTheOnesWithoutAWayForwardButRetry() {
        assertThat(EnumSet.allOf(JobState.class)).filteredOn(JobState::isFinal).containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED);
        assertThat(JobTransitions.sourcesOf(RUNNING)).containsExactly(QUEUED);
        assertThat(JobTransitions.CLAIMABLE).as("must match the claim indexes' predicate")
                .isEqualTo("state = 'queued'");
    }

    @Test
    void checkRefusesAForbiddenMove() {
        assertThatThrownBy(() -> JobTransitions.check(SUCCEEDED, QUEUED)).isInstanceOf(IllegalStateException.class);
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
            assertThat(JobTransitions.allowed(from, target)).as(from + " -> " + target).isEqualTo(allowed.contains(target));
        }
    }
}
