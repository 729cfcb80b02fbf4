package dev.kiln.drain;

import org.springframework.context.SmartLifecycle;

/**
 * The order of a graceful drain (SIGTERM), as {@link SmartLifecycle} phases: Spring stops the
 * highest phase first and waits for each phase before the next. Before any of them, Spring Boot
 * has already turned readiness to {@code REFUSING_TRAFFIC}, so {@code /actuator/health/readiness}
 * answers 503 from the first moment of the drain.
 *
 * <ol>
 * <li>{@link #STOP_CLAIMING}: the worker pool claims no more jobs (a node on its way out should
 * not take work another node could start at once).</li>
 * <li>{@link #READINESS_DELAY}: {@code kiln.drain.readiness-delay} passes while the node still
 * serves everything, so load balancers see the 503 and stop routing here before connections
 * close.</li>
 * <li>{@link #CLOSE_STREAMS}: the long-lived requests move. WebSockets close with 1001 (Going
 * Away), SSE streams and long polls end, so clients reconnect (to another node) and resume from
 * their last seq; upload PATCHes in progress stop at a durable offset (part file forced to disk,
 * offset recorded, lock let go) and answer 503 {@code shutting_down}, so the client resumes from
 * HEAD on another node (all nodes share the data directory). From here new streams and PATCHes
 * are refused the same way.</li>
 * <li>{@link #RELEASE_JOBS}: running jobs get {@code kiln.workers.shutdown-grace} to finish; the
 * rest are released to the queue (not failed, no attempt spent) for another node.</li>
 * <li>Then Spring Boot's graceful web shutdown: no new connections; requests in progress get
 * {@code spring.lifecycle.timeout-per-shutdown-phase} (30s) to end, then the web server and the
 * database pool stop.</li>
 * <li>{@link #LAST_NOTICES}: what committed until then is announced to the other nodes, and the
 * sender of notices stops.</li>
 * </ol>
 */
public final class DrainOrder {

    public static final int STOP_CLAIMING = SmartLifecycle.DEFAULT_PHASE;
    public static final int READINESS_DELAY = STOP_CLAIMING - 1;
    public static final int CLOSE_STREAMS = STOP_CLAIMING - 2;
    public static final int RELEASE_JOBS = STOP_CLAIMING - 3;
    /** After Spring Boot's web server phases (graceful shutdown at −1024, stop at −2048). */
    public static final int LAST_NOTICES = SmartLifecycle.DEFAULT_PHASE - 4096;

    private DrainOrder() {}
}
