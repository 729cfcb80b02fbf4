package dev.kiln.batches;

import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

/**
 * When a batch is expected to finish, from its own jobs: the running ones end at their own ETA
 * (or, without one, when their progress so far says), and the waiting ones then run as many at a
 * time as run now, each as long as the batch's jobs took on average. Null when nothing tells yet
 * (no job has finished, none reports an ETA or progress) or when nothing is left.
 */
final class BatchEta {

    /** Below this much progress, time so far says too little about the whole. */
    private static final double MIN_PROGRESS = 0.05;

    private BatchEta() {}

    static Instant of(List<Job> jobs, Instant now) {
        List<Job> running =
                jobs.stream().filter(j -> j.state() == JobState.RUNNING).toList();
        long waiting = jobs.stream()
                .filter(j -> j.state() == JobState.QUEUED || j.state() == JobState.RETRY_SCHEDULED)
                .count();
        if (running.isEmpty() && waiting == 0) {
            return null;
        }
        OptionalDouble perJob = averageSeconds(jobs, now);
        double runningLeft = 0;
        for (Job job : running) {
            Double left = secondsLeft(job, now);
            if (left == null) {
                if (perJob.isEmpty()) {
                    return null;
                }
                left = perJob.getAsDouble() * (1 - job.progress());
            }
            runningLeft = Math.max(runningLeft, left);
        }
        if (waiting > 0 && perJob.isEmpty()) {
            return null;
        }
        long lanes = Math.max(1, running.size());
        double waitingLeft = waiting == 0 ? 0 : Math.ceil((double) waiting / lanes) * perJob.getAsDouble();
        return now.plus(Duration.ofMillis(Math.round((runningLeft + waitingLeft) * 1000)));
    }

    /** A running job's own estimate, or its elapsed time scaled by its progress. */
    private static Double secondsLeft(Job job, Instant now) {
        if (job.eta() != null) {
            return Math.max(0, Duration.between(now, job.eta()).toMillis() / 1000.0);
        }
        if (job.startedAt() != null && job.progress() >= MIN_PROGRESS) {
            double elapsed = Duration.between(job.startedAt(), now).toMillis() / 1000.0;
            return elapsed / job.progress() - elapsed;
        }
        return null;
    }

    /** How long one job of the batch takes: its succeeded ones that ran, else its running ones' own estimates. */
    private static OptionalDouble averageSeconds(List<Job> jobs, Instant now) {
        OptionalDouble done = jobs.stream()
                .filter(j -> j.state() == JobState.SUCCEEDED && j.reusedFrom() == null && j.startedAt() != null)
                .filter(j -> j.finishedAt() != null)
                .mapToDouble(
                        j -> Duration.between(j.startedAt(), j.finishedAt()).toMillis() / 1000.0)
                .average();
        if (done.isPresent()) {
            return done;
        }
        return jobs.stream()
                .filter(j -> j.state() == JobState.RUNNING && j.startedAt() != null)
                .mapToDouble(j -> {
                    Double left = secondsLeft(j, now);
                    return left == null
                            ? Double.NaN
                            : Duration.between(j.startedAt(), now).toMillis() / 1000.0 + left;
                })
                .filter(s -> !Double.isNaN(s))
                .average();
    }
}
