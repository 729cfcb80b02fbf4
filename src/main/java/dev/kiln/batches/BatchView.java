package dev.kiln.batches;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A batch as clients see it: its jobs counted by state, aggregated progress (0..1), ETA and
 * whether it has finished; on its own page, each of its jobs too.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record BatchView(
        String id,
        String name,
        String type,
        Instant createdAt,
        long jobCount,
        Map<String, Long> counts,
        double progress,
        Instant eta,
        boolean finished,
        List<Item> jobs) {

    /** One job of the batch: what a row of the batch page shows. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(String id, String fileId, String fileName, String state, double progress, Instant eta, String error) {

        static Item of(Job job) {
            Job.Input input = job.input();
            return new Item(
                    job.id(),
                    input == null ? null : input.fileId(),
                    input == null ? null : input.name(),
                    job.stateName(),
                    job.progress(),
                    job.eta(),
                    shownError(job));
        }
    }

    /**
     * The code of the job's error where it says why the job is where it is (failed, or waiting to
     * retry), else null: a job cancelled while waiting to retry keeps the failed attempt's error,
     * and one that succeeded before a new attempt cleared it (on an earlier release) kept it too;
     * neither is shown with it. The batch's page and its zip's manifest both show this.
     */
    static String shownError(Job job) {
        boolean explains = job.state() == JobState.FAILED || job.state() == JobState.RETRY_SCHEDULED;
        return job.error() == null || !explains ? null : job.error().code();
    }

    /** A list row: no jobs, no ETA. */
    static BatchView summary(BatchStore.BatchRow row, Tally tally) {
        return of(row, tally, null, null);
    }

    /** The batch's page: its jobs, oldest first. */
    static BatchView full(BatchStore.BatchRow row, List<Job> jobs, Instant now) {
        Tally tally = new Tally();
        jobs.forEach(job -> tally.add(job.stateName(), 1, job.progress()));
        return of(
                row, tally, BatchEta.of(jobs, now), jobs.stream().map(Item::of).toList());
    }

    private static BatchView of(BatchStore.BatchRow row, Tally tally, Instant eta, List<Item> jobs) {
        return new BatchView(
                row.id(),
                row.name(),
                row.type(),
                row.createdAt(),
                tally.total(),
                tally.counts(),
                tally.progress(),
                eta,
                tally.finished(),
                jobs);
    }
}
