package dev.kiln.live;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.JobStore;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job's events over plain HTTP: a JSON page (optionally long-polled with {@code wait=}), or an
 * SSE stream that resumes from {@code Last-Event-ID} and ends after the terminal event.
 */
@RestController
@RequestMapping("/api/v1/jobs/{id}/events")
class JobEventsController {

    static final int MAX_PAGE = 1000;
    /** Events an SSE stream may have waiting; past that the stream ends and the client resumes. */
    private static final int SSE_BACKLOG = 1000;
    private static final long SSE_RETRY_MILLIS = 3000;

    private final JobStore jobs;
    private final EventLog log;
    private final EventHub hub;
    private final JsonMapper json;
    private final StreamSettings settings;

    JobEventsController(JobStore jobs, EventLog log, EventHub hub, JsonMapper json, StreamSettings settings) {
        this.jobs = jobs;
        this.log = log;
        this.hub = hub;
        this.json = json;
        this.settings = settings;
    }

    record EventPage(List<JobEvent> items, long next) {
    }

    /**
     * Events after {@code after}, oldest first; {@code next} is the seq to ask after next time.
     * With {@code wait=S} and nothing new, the answer waits up to S seconds for the next event.
     */
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    EventPage poll(@AuthenticationPrincipal User user, @PathVariable String id,
            @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "100") int limit,
            @RequestParam(defaultValue = "0") int wait) throws InterruptedException {
        visible(user, id);
        if (after < 0) {
            throw ApiException.invalidField("after", "after must be 0 or more.");
        }
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.invalidField("limit", "limit must be from 1 to " + MAX_PAGE + ".");
        }
        if (wait < 0 || wait > settings.maxWait().toSeconds()) {
            throw ApiException.invalidField("wait", "wait must be from 0 to " + settings.maxWait().toSeconds() + " seconds.");
        }
        List<JobEvent> page = log.after(id, after, limit);
        if (page.isEmpty() && wait > 0) {
            CountDownLatch arrived = new CountDownLatch(1);
            try (EventHub.Subscription ignored = hub.followJob(id, event -> arrived.countDown())) {
                page = log.after(id, after, limit); // anything committed before we subscribed
                if (page.isEmpty() && arrived.await(wait, TimeUnit.SECONDS)) {
                    page = log.after(id, after, limit);
                }
            }
        }
        return new EventPage(page, page.isEmpty() ? after : page.getLast().seq());
    }

    /** The SSE stream: {@code id:} is the seq, {@code event:} the kind, {@code data:} the event. */
    @GetMapping(produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(@AuthenticationPrincipal User user, @PathVariable String id,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            @RequestParam(required = false) Long after, HttpServletResponse response) throws IOException {
        visible(user, id);
        long from = resumePoint(lastEventId, after);
        BlockingQueue<JobEvent> live = new ArrayBlockingQueue<>(SSE_BACKLOG);
        AtomicBoolean overflowed = new AtomicBoolean();
        try (EventHub.Subscription ignored = hub.followJob(id, event -> {
            if (!live.offer(event)) {
                overflowed.set(true);
            }
        })) {
            response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("X-Accel-Buffering", "no"); // nginx: do not hold the stream back
            OutputStream out = response.getOutputStream();
            write(out, "retry: " + SSE_RETRY_MILLIS + "\n\n");
            JobFollow follow = new JobFollow(id, from, log);
            for (List<JobEvent> page = follow.nextFromLog(); !page.isEmpty(); page = follow.nextFromLog()) {
                if (send(out, page)) {
                    return;
                }
            }
            while (!overflowed.get()) {
                JobEvent next = live.poll(settings.sseHeartbeat().toMillis(), TimeUnit.MILLISECONDS);
                if (next == null) {
                    write(out, ": keep-alive\n\n");
                } else if (send(out, follow.onLive(next))) {
                    return;
                }
            }
            // Too far behind: end the stream; the client resumes from its Last-Event-ID.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // The client went away; nothing to answer.
        }
    }

    /** Writes events; true when one was the job's terminal event (the stream then ends). */
    private boolean send(OutputStream out, List<JobEvent> events) throws IOException {
        for (JobEvent event : events) {
            write(out, "id: " + event.seq() + "\nevent: " + event.kind().wire() + "\ndata: "
                    + json.writeValueAsString(event) + "\n\n");
            if (JobFollow.isTerminal(event)) {
                return true;
            }
        }
        return false;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void visible(User user, String id) {
        if (jobs.find(id, user).isEmpty()) {
            throw new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + id + ".");
        }
    }

    private static long resumePoint(String lastEventId, Long after) {
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                long seq = Long.parseLong(lastEventId.trim());
                if (seq >= 0) {
                    return seq;
                }
            } catch (NumberFormatException e) {
                // fall through
            }
            throw ApiException.invalidField("Last-Event-ID", "Last-Event-ID must be the seq of an event (0 or more).");
        }
        if (after != null && after < 0) {
            throw ApiException.invalidField("after", "after must be 0 or more.");
        }
        return after == null ? 0 : after;
    }

}
