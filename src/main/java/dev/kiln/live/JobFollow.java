package dev.kiln.live;

import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.JobState;
import java.util.ArrayList;
import java.util.List;

/**
 * One consumer following one job: events come out in seq order, each once. Live events that
 * are next in line go straight through, with no read at all; a gap (a missed notification, events
 * committed in one order and announced in another, a resubscription) is filled from the durable log.
 */
final class JobFollow {

    private static final int PAGE = 500;

    /** Reads the log: a job's events after a seq, oldest first ({@link EventLog#after}). */
    @FunctionalInterface
    interface LogReader {
        List<JobEvent> after(String jobId, long after, int limit);
    }

    private final String jobId;
    private final LogReader log;
    private long delivered;

    /** @param after the last seq the consumer already has (0 for none) */
    JobFollow(String jobId, long after, LogReader log) {
        this.jobId = jobId;
        this.log = log;
        this.delivered = after;
    }

    String jobId() {
        return jobId;
    }

    long delivered() {
        return delivered;
    }

    /** The log's events after what was delivered, one page at a time; empty when caught up. */
    List<JobEvent> nextFromLog() {
        List<JobEvent> page = log.after(jobId, delivered, PAGE);
        if (!page.isEmpty()) {
            delivered = page.getLast().seq();
        }
        return page;
    }

    /** What to send now that {@code live} was announced: nothing (seen), it, or the gap and it. */
    List<JobEvent> onLive(JobEvent live) {
        if (live.seq() <= delivered) {
            return List.of();
        }
        if (live.seq() == delivered + 1) {
            delivered = live.seq();
            return List.of(live);
        }
        List<JobEvent> out = new ArrayList<>();
        while (delivered < live.seq()) {
            List<JobEvent> page = log.after(jobId, delivered, (int) Math.min(PAGE, live.seq() - delivered));
            if (page.isEmpty()) {
                break; // cannot happen: a committed seq implies every smaller one committed before it
            }
            out.addAll(page);
            delivered = page.getLast().seq();
        }
        return out;
    }

    /** Whether this event ends the job (a manual retry may still revive it later). */
    static boolean isTerminal(JobEvent event) {
        return event.kind() == EventKind.STATE
                && JobState.fromWire(event.data().path("state").asString("queued"))
                        .isFinal();
    }
}
