package dev.kiln.batches;

import dev.kiln.jobs.JobState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch's jobs counted by state, and its aggregated progress: a finished job (whichever way it
 * ended) counts whole, a running one by its own progress, a waiting one as nothing.
 */
final class Tally {

    private final Map<String, Long> counts = new LinkedHashMap<>();
    private double done;

    Tally() {
        for (JobState state : JobState.values()) {
            counts.put(state.wire(), 0L);
        }
    }

    /** Adds {@code n} jobs in {@code state} whose progress sums to {@code progress}. */
    void add(String state, long n, double progress) {
        counts.merge(state, n, Long::sum);
        JobState s = JobState.fromWire(state);
        done += s.isFinal() ? n : s == JobState.RUNNING ? progress : 0;
    }

    Map<String, Long> counts() {
        return counts;
    }

    long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** 0..1; 1 for a batch with no jobs left. */
    double progress() {
        long total = total();
        return total == 0 ? 1 : Math.min(1, done / total);
    }

    /** Whether none of its jobs waits or runs. */
    boolean finished() {
        return counts.get(JobState.QUEUED.wire())
                        + counts.get(JobState.RETRY_SCHEDULED.wire())
                        + counts.get(JobState.RUNNING.wire())
                == 0;
    }
}
