package dev.kiln.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.auth.Role;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.db.DatabaseSettings;
import dev.kiln.db.Databases;
import dev.kiln.events.EventHub;
import dev.kiln.events.EventLog;
import dev.kiln.events.JobEvent;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobMetrics;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobSettings;
import dev.kiln.jobs.JobStateMachine;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.Moved;
import dev.kiln.jobs.NewJob;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.limits.LimitSettings;
import dev.kiln.workers.QueueMaintenance;
import dev.kiln.workers.WorkerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job store, queue and event log on a fresh real database, without Spring, with a clock the
 * test moves. What the contract tests of the queue run against.
 */
public final class QueueFixture implements AutoCloseable {

    public static final Duration LEASE = Duration.ofSeconds(15);

    public final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    public final JsonMapper json = JsonMapper.builder().build();
    public final JobSettings jobSettings = new JobSettings(
            Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(10), 0.2, Duration.ofHours(48));
    public final WorkerSettings workerSettings = new WorkerSettings(
            true,
            Duration.ofSeconds(1),
            LEASE,
            Duration.ofSeconds(3),
            Duration.ofSeconds(2),
            64,
            Duration.ofSeconds(30),
            Duration.ofMillis(250));
    public final List<Object> published = new CopyOnWriteArrayList<>();
    /** Those of them published inside a write transaction (durable work queued with the change). */
    public final List<Object> publishedInWrite = new CopyOnWriteArrayList<>();

    public final HikariDataSource dataSource;
    public final Database db;
    public final EventHub hub;
    public final EventLog events;
    public final RetryPolicy retryPolicy;
    public final JobStore store;
    public final JobQueue queue;
    public final JobStateMachine arrows;
    public final Users users;
    public final FileCatalog files;
    public final QueueMaintenance maintenance;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    public QueueFixture(TestDatabases.Kind kind) {
        this(kind, LimitSettings.unlimited());
    }

    /** With {@code limits} applied by the queue (at most so many running jobs per owner). */
    public QueueFixture(TestDatabases.Kind kind, LimitSettings limits) {
        String url = TestDatabases.fresh(kind);
        dataSource =
                Databases.pool(DatabaseSettings.forUrl(url, 16), new KilnHome(TestDatabases.tempDir("kiln-home-")));
        db = Databases.migrate(dataSource);
        hub = new EventHub();
        JobMetrics metrics = new JobMetrics(meters, List.of());
        // What Spring would do: every event published after commit is recorded, and metrics hear of the arrows.
        ApplicationEventPublisher publisher = event -> {
            published.add(event);
            if (TransactionSynchronizationManager.isSynchronizationActive()) {
                publishedInWrite.add(event);
            }
            if (event instanceof Moved.Committed moved) {
                metrics.on(moved);
            }
        };
        events = new EventLog(db, json, hub, publisher);
        retryPolicy = new RetryPolicy(jobSettings, clock);
        arrows = new JobStateMachine(db, events, json, publisher, limits);
        files = new FileCatalog(db);
        store = new JobStore(db, arrows, files, json, clock);
        users = new Users(db, clock, publisher);
        queue = new JobQueue(db, arrows, json, clock, retryPolicy, files);
        maintenance = new QueueMaintenance(queue, store, jobSettings, workerSettings, clock, retryPolicy);
    }

    public User user(String name) {
        return users.create(name, Role.MEMBER).orElseThrow();
    }

    public User admin(String name) {
        return users.create(name, Role.ADMIN).orElseThrow();
    }

    public FileInfo file(User owner) {
        return files.insert(owner.id(), "0".repeat(64), 1, "text/plain", "input.txt", clock.instant());
    }

    /** A queued-job request of {@code type} for {@code owner}, on a new file of theirs. */
    public NewJob newJob(User owner, String type) {
        return newJob(owner, type, 0);
    }

    public NewJob newJob(User owner, String type, int priority) {
        return newJob(owner, type, file(owner).id(), priority);
    }

    public NewJob newJob(User owner, String type, String fileId, int priority) {
        return NewJob.of(owner.id(), type, fileId, json.createObjectNode(), priority, 3);
    }

    public Job submit(User owner, String type) {
        return store.submit(newJob(owner, type)).job();
    }

    public Job job(String id) {
        return store.find(id, new User("system", "system", Role.ADMIN)).orElseThrow();
    }

    public List<JobEvent> events(String jobId) {
        return events.after(jobId, 0, 10_000);
    }

    /** What the one retry decision makes of attempt {@code attempt} of {@code maxAttempts} failing with {@code error}. */
    public JobQueue.Outcome failure(dev.kiln.jobs.JobError error, int attempt, int maxAttempts) {
        return retryPolicy.after(error, attempt, maxAttempts, false);
    }

    /** Whether a {@link Moved.Committed} of {@code transition} naming {@code jobId} was published. */
    public boolean moved(dev.kiln.jobs.Transition transition, String jobId) {
        return published.stream()
                .anyMatch(e -> e instanceof Moved.Committed m
                        && m.transition() == transition
                        && m.jobs().stream().anyMatch(j -> j.id().equals(jobId)));
    }

    public List<JobQueue.Claim> claim(String type, int limit) {
        return queue.claim(type, limit, "node-a", LEASE);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
