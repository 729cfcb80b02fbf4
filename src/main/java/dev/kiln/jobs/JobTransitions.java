package dev.kiln.jobs;

import static dev.kiln.jobs.JobState.CANCELLED;
import static dev.kiln.jobs.JobState.FAILED;
import static dev.kiln.jobs.JobState.QUEUED;
import static dev.kiln.jobs.JobState.RETRY_SCHEDULED;
import static dev.kiln.jobs.JobState.RUNNING;
import static dev.kiln.jobs.JobState.SUCCEEDED;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one table of allowed state changes. Every UPDATE that changes a job's state is
 * conditional on the job being in one of {@link #sourcesOf its target's sources}, so a change
 * that lost a race matches no row instead of overwriting the winner.
 */
public final class JobTransitions {

    private static final Map<JobState, Set<JobState>> ALLOWED = new EnumMap<>(JobState.class);

    static {
        ALLOWED.put(QUEUED, EnumSet.of(RUNNING, CANCELLED));
        // A job waiting out its backoff is promoted to queued when it is due, never claimed directly:
        // queued always means "claimable now", so the claim never walks past jobs that are not.
        ALLOWED.put(RETRY_SCHEDULED, EnumSet.of(QUEUED, CANCELLED));
        // running -> queued is a release at shutdown; running -> retry_scheduled a retryable failure or a rescue.
        ALLOWED.put(RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, RETRY_SCHEDULED, QUEUED));
        ALLOWED.put(SUCCEEDED, EnumSet.noneOf(JobState.class));
        ALLOWED.put(FAILED, EnumSet.of(QUEUED));
        ALLOWED.put(CANCELLED, EnumSet.of(QUEUED));
    }

    private JobTransitions() {
    }

    public static boolean allowed(JobState from, JobState to) {
        return ALLOWED.get(from).contains(to);
    }

    public static Set<JobState> sourcesOf(JobState to) {
        return Arrays.stream(JobState.values())
                .filter(from -> allowed(from, to))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(JobState.class)));
    }

    /** Guards a conditional update about to move a job observed in {@code from}. */
    static void check(JobState from, JobState to) {
        if (!allowed(from, to)) {
            throw new IllegalStateException("a job cannot go from " + from.wire() + " to " + to.wire());
        }
    }

    static String inStates(Set<JobState> states) {
        if (states.size() == 1) {
            return "state = '" + states.iterator().next().wire() + "'";
        }
        return states.stream().map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", ", "state IN (", ")"));
    }

    /** The states a worker may claim from; the same predicate, word for word, as the claim indexes. */
    static final String CLAIMABLE = inStates(sourcesOf(RUNNING));
}
