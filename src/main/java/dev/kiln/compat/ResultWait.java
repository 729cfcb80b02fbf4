package dev.kiln.compat;

import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.Access;
import dev.kiln.auth.User;
import dev.kiln.drain.DrainOrder;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventKind;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.JobStore;
import dev.kiln.live.JobWatch;
import dev.kiln.live.StreamAccess;
import dev.kiln.live.StreamSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * A request waiting for its job: it follows the job's event log (woken by the live hub, every event
 * read from the log, so another node's attempt is followed as well as this one's), hands each new
 * utterance to the request as it is recognised, and ends when the job does, when the wait is over,
 * when the client has gone, or when this node drains (the job runs on, here or elsewhere). Held with
 * the request's credential, as a live stream is: when the token or session ends meanwhile, so does
 * the wait, with the refusal the request would meet now.
 */
@Component
class ResultWait implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ResultWait.class);
    private static final int PAGE = 500;
    /** RFC 7240's preference: {@code Prefer: wait=10} asks for an answer within 10 seconds. */
    private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*\"?(\\d{1,9})\"?");

    enum End {
        FINISHED,
        TIMED_OUT,
        SHUTTING_DOWN,
        CLIENT_GONE
    }

    /** What the waiting request does with what happens meanwhile; an IOException means its client is gone. */
    interface Follower {

        /** A newly recognised utterance (a partial result): each once and in order, whatever attempt sent it. */
        default void utterance(JsonNode utterance) throws IOException {}

        /** Nothing happened for a heartbeat: time for a keep-alive, which also finds a client that has gone. */
        default void idle() throws IOException {}
    }

    private final EventHub hub;
    private final EventLog events;
    private final JobStore jobs;
    private final AuditLog audit;
    private final StreamAccess access;
    private final CompatSettings settings;
    private final Duration heartbeat;
    private final Set<Semaphore> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean running;

    ResultWait(
            EventHub hub,
            EventLog events,
            JobStore jobs,
            AuditLog audit,
            StreamAccess access,
            CompatSettings settings,
            StreamSettings streams) {
        this.hub = hub;
        this.events = events;
        this.jobs = jobs;
        this.audit = audit;
        this.access = access;
        this.settings = settings;
        this.heartbeat = streams.sseHeartbeat();
    }

    /** How long to wait: {@code kiln.compat.wait}, or less if the client prefers ({@code Prefer: wait=N}). */
    Duration limit(String prefer) {
        if (prefer != null) {
            Matcher wait = PREFER_WAIT.matcher(prefer);
            if (wait.find()) {
                Duration preferred = Duration.ofSeconds(Long.parseLong(wait.group(1)));
                return preferred.compareTo(settings.waitLimit()) < 0 ? preferred : settings.waitLimit();
            }
        }
        return settings.waitLimit();
    }

    /**
     * Follows {@code job} for the request made with {@code caller} until it ends or {@code limit}
     * passes. A client found gone cancels the job only where {@code kiln.compat.cancel-on-disconnect}
     * says so.
     *
     * @throws dev.kiln.api.ApiException when the caller's access ended meanwhile (401, or 404 once its
     *     role no longer sees the job)
     */
    End follow(Access caller, Job job, Duration limit, Follower follower) throws InterruptedException {
        Semaphore wake = new Semaphore(0);
        JobWatch watch = new JobWatch(caller, job.ownerId(), wake::release);
        waiting.add(wake);
        long deadline = System.nanoTime() + limit.toNanos();
        try (EventHub.Subscription ignored = hub.followJob(job.id(), event -> wake.release())) {
            access.hold(watch); // a client may revoke as soon as it knows the job (a stream's headers)
            Progress progress = new Progress();
            while (true) {
                if (watch.ended() != null) {
                    throw watch.ended();
                }
                List<JobEvent> page = events.after(job.id(), progress.seq, PAGE);
                for (JobEvent event : page) {
                    if (progress.take(event, follower)) {
                        return End.FINISHED;
                    }
                }
                if (page.size() == PAGE) {
                    continue;
                }
                if (!running) {
                    return End.SHUTTING_DOWN;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return End.TIMED_OUT;
                }
                if (!wake.tryAcquire(Math.min(left, heartbeat.toNanos()), TimeUnit.NANOSECONDS)) {
                    follower.idle();
                }
                wake.drainPermits();
            }
        } catch (IOException gone) {
            if (settings.cancelOnDisconnect()) {
                cancel(caller.user(), job);
            }
            return End.CLIENT_GONE;
        } finally {
            access.release(watch);
            waiting.remove(wake);
        }
    }

    private void cancel(User user, Job job) {
        try {
            jobs.cancel(job.id(), user).ifPresent(outcome -> {
                if (outcome instanceof JobStore.CancelOutcome.Cancelled
                        || outcome instanceof JobStore.CancelOutcome.Requested) {
                    audit.record(user, AuditAction.JOB_CANCELLED, "job", job.id(), Map.of("via", "client gone"));
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not cancel job {} after its client went away", job.id(), e);
        }
    }

    /**
     * Where a follow stands in the log. A new run recognises the same utterances again (the engine
     * is deterministic on the same audio): only those past what was handed out already count.
     */
    static final class Progress {
        long seq;
        int delivered;
        int inRun;
        int attempt;
        boolean wasRunning;

        /** True when {@code event} ends the job. */
        boolean take(JobEvent event, Follower follower) throws IOException {
            seq = event.seq();
            if (event.kind() == EventKind.PARTIAL && ++inRun > delivered) {
                delivered++;
                follower.utterance(event.data());
            } else if (event.kind() == EventKind.STATE) {
                JobState state = JobState.fromWire(event.data().path("state").asString("queued"));
                int started = event.data().path("attempt").asInt(attempt);
                // A claim, not a cancel request (running already): a released job reruns with the same number.
                if (state == JobState.RUNNING && (!wasRunning || started != attempt)) {
                    attempt = started;
                    inRun = 0;
                }
                wasRunning = state == JobState.RUNNING;
                return state.isFinal();
            }
            return false;
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Waiting requests answer now (the job runs on); their clients follow it by its id. */
    @Override
    public void stop() {
        running = false;
        waiting.forEach(Semaphore::release);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DrainOrder.CLOSE_STREAMS;
    }
}
