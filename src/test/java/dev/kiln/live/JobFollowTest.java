package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class JobFollowTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JOB = "job_abc";

    /** The job's log, and how often a follow read it. */
    private final List<JobEvent> log = new ArrayList<>();

    private int reads;

    private final JobFollow.LogReader reader = (job, after, limit) -> {
        reads++;
        return log.stream()
                .filter(e -> e.job().equals(job) && e.seq() > after)
                .limit(limit)
                .toList();
    };

    @Test
    void liveEventsThatComeInOrderGoStraightThroughWithoutReadingTheLog() {
        JobFollow follow = new JobFollow(JOB, 0, reader);

        List<Long> delivered = new ArrayList<>();
        for (long seq = 1; seq <= 500; seq++) {
            JobEvent live = commit(seq);
            follow.onLive(live).forEach(e -> delivered.add(e.seq()));
        }

        assertThat(reads).isZero();
        assertThat(delivered)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, 500).boxed().toList());
    }

    @Test
    void aGapIsFilledFromTheLogOnceAndWhatWasSeenIsNotRepeated() {
        JobFollow follow = new JobFollow(JOB, 0, reader);
        follow.onLive(commit(1));
        commit(2);
        commit(3);
        JobEvent fourth = commit(4); // announced before 2 and 3 were

        assertThat(follow.onLive(fourth)).extracting(JobEvent::seq).containsExactly(2L, 3L, 4L);
        assertThat(reads).isEqualTo(1);
        assertThat(follow.onLive(log.get(1))).as("2, announced late").isEmpty();
        assertThat(follow.onLive(commit(5))).extracting(JobEvent::seq).containsExactly(5L);
        assertThat(reads).isEqualTo(1);
    }

    @Test
    void aResumedFollowReplaysTheLogAfterItsSeqPageByPage() {
        for (long seq = 1; seq <= 1200; seq++) {
            commit(seq);
        }
        JobFollow follow = new JobFollow(JOB, 100, reader);

        List<Long> replayed = new ArrayList<>();
        for (List<JobEvent> page = follow.nextFromLog(); !page.isEmpty(); page = follow.nextFromLog()) {
            page.forEach(e -> replayed.add(e.seq()));
        }

        assertThat(replayed)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(101, 1200).boxed().toList());
        assertThat(follow.onLive(log.getLast())).isEmpty();
    }

    private JobEvent commit(long seq) {
        JobEvent event = new JobEvent(
                JOB, null, seq, EventKind.PARTIAL, JSON.readTree("{\"index\":" + seq + "}"), Instant.EPOCH);
        log.add(event);
        return event;
    }
}
