package dev.kiln.batches;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A batch's aggregated progress, its ETA from its own jobs, and the zip's entry names. */
class BatchEtaTest {

    private static final Instant NOW = Instant.parse("2026-12-05T03:00:00Z");

    private static Job job(JobState state, double progress, Instant started, Instant finished, Instant eta) {
        return new Job(
                "job_x",
                "usr_x",
                "t",
                null,
                null,
                0,
                state,
                null,
                null,
                progress,
                1,
                1,
                3,
                NOW.minusSeconds(600),
                started,
                finished,
                NOW,
                null,
                null,
                eta,
                null,
                null,
                null);
    }

    private static Job succeeded(long seconds) {
        return job(JobState.SUCCEEDED, 1, NOW.minusSeconds(500), NOW.minusSeconds(500 - seconds), null);
    }

    private static Job queued() {
        return job(JobState.QUEUED, 0, null, null, null);
    }

    @Test
    void waitingJobsRunAfterTheRunningOnesAsLongAsTheBatchsJobsTookOnAverage() {
        Job running = job(JobState.RUNNING, 0.5, NOW.minusSeconds(20), null, NOW.plusSeconds(30));

        // 30 s left of the running job, then two waiting ones one after another (one runs at a time) at 40 s each.
        assertThat(BatchEta.of(List.of(succeeded(30), succeeded(50), running, queued(), queued()), NOW))
                .isEqualTo(NOW.plusSeconds(30 + 2 * 40));
    }

    @Test
    void withoutAFinishedJobTheRunningOnesSayHowLongOneTakes() {
        Job halfway = job(JobState.RUNNING, 0.5, NOW.minusSeconds(10), null, null);
        Job other = job(JobState.RUNNING, 0.25, NOW.minusSeconds(10), null, null);

        // 10 s left for the first, 30 s for the other; jobs take (20 + 40) / 2 = 30 s; two lanes for two waiting.
        assertThat(BatchEta.of(List.of(halfway, other, queued(), queued()), NOW))
                .isEqualTo(NOW.plusSeconds(30 + 30));
    }

    @Test
    void nothingToTellOrNothingLeftHasNoEta() {
        assertThat(BatchEta.of(List.of(queued(), queued()), NOW))
                .as("nothing has run")
                .isNull();
        assertThat(BatchEta.of(List.of(job(JobState.RUNNING, 0.01, NOW.minusSeconds(1), null, null)), NOW))
                .as("too little progress to tell")
                .isNull();
        assertThat(BatchEta.of(List.of(succeeded(10), job(JobState.FAILED, 0.2, NOW, NOW, null)), NOW))
                .as("all finished")
                .isNull();
    }

    @Test
    void progressCountsFinishedJobsWholeRunningOnesByTheirProgressAndWaitingOnesAsNothing() {
        Tally tally = new Tally();
        tally.add("succeeded", 1, 1);
        tally.add("failed", 1, 0.3);
        tally.add("running", 2, 0.5);
        tally.add("retry_scheduled", 1, 0.9);
        tally.add("queued", 1, 0);

        assertThat(tally.progress()).isEqualTo(2.5 / 6);
        assertThat(tally.total()).isEqualTo(6);
        assertThat(tally.finished()).isFalse();
        assertThat(new Tally().progress())
                .as("a batch whose jobs were all deleted")
                .isEqualTo(1);
        assertThat(new Tally().finished()).isTrue();
    }

    @Test
    void entryNamesAreUniqueIgnoringCaseAndHarmless() {
        Set<String> taken = new HashSet<>(Set.of(BatchZip.MANIFEST));

        assertThat(BatchZip.unique("talk", "srt", taken)).isEqualTo("talk.srt");
        assertThat(BatchZip.unique("Talk", "srt", taken)).isEqualTo("Talk (2).srt");
        assertThat(BatchZip.unique("talk", "srt", taken)).isEqualTo("talk (3).srt");
        assertThat(BatchZip.unique("manifest", "json", taken)).isEqualTo("manifest (2).json");
        assertThat(BatchZip.safe("a/b\\c:d*.txt")).isEqualTo("a_b_c_d_.txt");
        assertThat(BatchZip.safe("..")).isEqualTo("file");
    }
}
