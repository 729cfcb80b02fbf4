package dev.kiln.live;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobStore;
import dev.kiln.limits.ClientAddress;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A job's events over plain HTTP: a JSON page (optionally long-polled with {@code wait=}), or an
 * SSE stream that resumes from {@code Last-Event-ID} and ends after the terminal event. Both are
 * held with the caller's credential ({@link JobWatch}): when it ends, the stream ends and a waiting
 * poll answers what the request would be answered now (401, or 403/404 after a role change).
 */
@RestController
@RequestMapping("/api/v1/jobs/{id}/events")
class JobEventsController {

    static final int MAX_PAGE = 1000;
    private final JobStore jobs;
    private final EventLog log;
    private final EventHub hub;
    private final StreamSettings settings;
    private final StreamConnections connections;

    JobEventsController(
            JobStore jobs, EventLog log, EventHub hub, StreamSettings settings, StreamConnections connections) {
        this.jobs = jobs;
        this.log = log;
        this.hub = hub;
        this.settings = settings;
        this.connections = connections;
    }

    record EventPage(List<JobEvent> items, long next) {}

    /**
     * Events after {@code after}, oldest first; {@code next} is the seq to ask after next time.
     * With {@code wait=S} and nothing new, the answer waits up to S seconds for the next event.
     */
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    EventPage poll(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "100") int limit,
            @RequestParam(defaultValue = "0") int wait,
            HttpServletRequest request)
            throws InterruptedException {
        Job job = visible(user, id);
        if (after < 0) {
            throw ApiException.invalidField("after", "after must be 0 or more.");
        }
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.invalidField("limit", "limit must be from 1 to " + MAX_PAGE + ".");
        }
        if (wait < 0 || wait > settings.maxWait().toSeconds()) {
            throw ApiException.invalidField(
                    "wait", "wait must be from 0 to " + settings.maxWait().toSeconds() + " seconds.");
        }
        Semaphore arrived = new Semaphore(0);
        // A draining node answers at once (and wakes waits in progress): the client polls again, elsewhere.
        if (wait == 0 || !connections.admitWait(arrived)) {
            return page(log.after(id, after, limit), after);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(wait);
        JobWatch watch = new JobWatch(Access.of(request), job.ownerId(), arrived::release);
        // Subscribed before the first read, so nothing committed after it is missed: one read for an empty poll.
        try (EventHub.Subscription ignored = hub.followJob(id, event -> arrived.release())) {
            connections.access().hold(watch); // in the try: its check may throw, and what was taken is given back
            List<JobEvent> page = log.after(id, after, limit);
            // A wake-up may be for an event the client already has (another node's catch-up): look again.
            while (page.isEmpty()
                    && watch.ended() == null
                    && arrived.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && connections.isRunning()) {
                arrived.drainPermits();
                page = log.after(id, after, limit);
            }
            if (watch.ended() != null) {
                throw watch.ended();
            }
            return page(page, after);
        } finally {
            connections.access().release(watch);
            connections.removeWait(arrived);
        }
    }

    private static EventPage page(List<JobEvent> page, long after) {
        return new EventPage(page, page.isEmpty() ? after : page.getLast().seq());
    }

    /**
     * The SSE stream: {@code id:} is the seq, {@code event:} names the kind ({@link SseStream#eventName}), {@code data:} the event. A
     * finished job the client has seen to the end answers 204, which tells EventSource to stop.
     */
    @GetMapping(produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            @RequestParam(required = false) Long after,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        Job job = visible(user, id);
        long from = resumePoint(lastEventId, after);
        if ((lastEventId != null && !lastEventId.isBlank()) || after != null) {
            connections.metrics().sse.resubscribed(from <= job.seq());
        }
        if (job.state().isFinal() && from == job.seq()) {
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        // A resume point past the end of the log cannot be honoured: replay everything instead.
        SseStream stream = new SseStream(
                id,
                from > job.seq() ? 0 : from,
                log,
                hub,
                connections.wireEvents(),
                settings,
                connections.metrics().sse,
                () -> jobs.findById(id).isPresent());
        String address = ClientAddress.of(request.getRemoteAddr());
        Optional<StreamConnections.StreamRefusal> refused = connections.admitStream(user, address, stream);
        if (refused.isPresent()) {
            throw refusal(refused.get());
        }
        JobWatch watch = new JobWatch(Access.of(request), job.ownerId(), stream::end);
        try {
            connections.access().hold(watch);
            if (watch.ended() != null) {
                throw watch.ended(); // before any of the log is replayed
            }
            response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("X-Accel-Buffering", "no"); // nginx: do not hold the stream back
            stream.run(response.getOutputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // The client went away; nothing to answer.
        } finally {
            connections.access().release(watch);
            connections.removeStream(user, address, stream);
        }
    }

    private ApiException refusal(StreamConnections.StreamRefusal refusal) {
        return switch (refusal) {
            case SHUTTING_DOWN ->
                new ApiException(
                                ErrorCode.SHUTTING_DOWN,
                                "This node is shutting down; connect"
                                        + " again (to another node) and resume with Last-Event-ID.")
                        .retryAfter(Duration.ofSeconds(1));
            case TOO_MANY_FOR_USER ->
                new ApiException(
                                ErrorCode.TOO_MANY_STREAMS,
                                "At most " + settings.maxConnectionsPerUser()
                                        + " event streams per user at a time; close one, or use the WebSocket for many jobs.")
                        .retryAfter(Duration.ofSeconds(5));
            case TOO_MANY_FOR_ADDRESS ->
                new ApiException(
                                ErrorCode.TOO_MANY_STREAMS,
                                "At most " + settings.maxConnectionsPerIp()
                                        + " event streams from one address at a time; close one, or use the WebSocket for many jobs.")
                        .retryAfter(Duration.ofSeconds(5));
        };
    }

    private Job visible(User user, String id) {
        return jobs.find(id, user).orElseThrow(() -> new ApiException(ErrorCode.JOB_NOT_FOUND, "No job " + id + "."));
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
