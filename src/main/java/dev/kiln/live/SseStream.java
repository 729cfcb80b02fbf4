package dev.kiln.live;

import dev.kiln.events.EventHub;
import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.EventSink;
import dev.kiln.events.JobEvent;
import dev.kiln.live.WireEvents.WireEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One SSE response following one job: the log after the resume point, then live events, with a
 * comment line when idle. It ends after the job's terminal event (when nothing follows it in the
 * log), when the client falls too far behind (it resumes with Last-Event-ID), or at shutdown.
 */
final class SseStream {

    /** Events a stream may have waiting before it ends and lets the client resume. */
    private static final int BACKLOG = 1000;

    private static final long RETRY_MILLIS = 3000;
    /** Put in the queue to end the stream now. */
    private static final Object END = new Object();

    private final String jobId;
    private final JobFollow follow;
    private final EventLog log;
    private final EventHub hub;
    private final WireEvents wireEvents;
    private final StreamSettings settings;
    private final StreamMetrics.Transport metrics;
    /** Whether the job is still there, asked once the stream follows it: one deleted before that was never announced to it. */
    private final BooleanSupplier jobExists;
    /** Live events ({@link WireEvent}s, encoded once for every follower), or {@link #END}. */
    private final BlockingQueue<Object> live = new LinkedBlockingQueue<>(BACKLOG);

    private volatile boolean overflowed;

    SseStream(
            String jobId,
            long after,
            EventLog log,
            EventHub hub,
            WireEvents wireEvents,
            StreamSettings settings,
            StreamMetrics.Transport metrics,
            BooleanSupplier jobExists) {
        this.jobId = jobId;
        this.follow = new JobFollow(jobId, after, log::after);
        this.log = log;
        this.hub = hub;
        this.wireEvents = wireEvents;
        this.settings = settings;
        this.metrics = metrics;
        this.jobExists = jobExists;
    }

    /** Ends the stream soon (shutdown, or the job was deleted). */
    void end() {
        live.clear();
        live.offer(END);
    }

    void run(OutputStream out) throws IOException, InterruptedException {
        try (EventHub.Subscription ignored = hub.followJob(jobId, new EventSink() {
            @Override
            public void deliver(JobEvent event) {
                if (!live.offer(wireEvents.of(event))) {
                    metrics.dropped.increment();
                    overflowed = true;
                }
            }

            /** A deleted job (one that waited) has no terminal event; a reconnect is answered 404, which ends EventSource's retries. */
            @Override
            public void deleted(String job) {
                end();
            }
        })) {
            write(out, "retry: " + RETRY_MILLIS + "\n\n");
            for (List<JobEvent> page = follow.nextFromLog(); !page.isEmpty(); page = follow.nextFromLog()) {
                if (send(out, page, null)) {
                    return;
                }
            }
            if (!jobExists.getAsBoolean()) {
                return;
            }
            while (!overflowed) {
                Object next = live.poll(settings.sseHeartbeat().toMillis(), TimeUnit.MILLISECONDS);
                if (next == END) {
                    return;
                }
                if (next == null) {
                    write(out, ": keep-alive\n\n");
                } else if (next instanceof WireEvent event && send(out, follow.onLive(event.event()), event)) {
                    return;
                }
            }
            // Too far behind: the stream ends; the client resumes from its Last-Event-ID.
            metrics.slowConsumerCloses.increment();
        }
    }

    /**
     * Writes events; true when the last was the job's terminal event and nothing follows it.
     * {@code live}, when one of them, is written in the form it was encoded in for every follower.
     */
    private boolean send(OutputStream out, List<JobEvent> events, WireEvent live) throws IOException {
        for (JobEvent event : events) {
            String data = live != null && event == live.event()
                    ? live.json()
                    : wireEvents.once(event).json();
            write(out, "id: " + event.seq() + "\nevent: " + eventName(event.kind()) + "\ndata: " + data + "\n\n");
            metrics.sent.increment();
            if (live != null && event == live.event()) {
                metrics.delivered(event);
            }
        }
        JobEvent last = events.isEmpty() ? null : events.getLast();
        // A job retried after finishing carries on in the same log: only the real end ends the stream.
        return last != null
                && JobFollow.isTerminal(last)
                && log.after(jobId, last.seq(), 1).isEmpty();
    }

    /**
     * The {@code event:} name of a kind. EventSource keeps {@code open}, {@code error} and
     * {@code message} for itself (an {@code event: error} reaches the same listener as a dropped
     * connection, and clients lose it), so no kind may go out under one of them.
     */
    static String eventName(EventKind kind) {
        return switch (kind) {
            case STATE, PROGRESS, PARTIAL, RESULT -> kind.wire();
            case ERROR -> "attempt_failed";
        };
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
