package dev.kiln.library;

import dev.kiln.db.Database;
import dev.kiln.events.EventLog;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.support.Loop;
import dev.kiln.uploads.StorageSweeper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Retention ({@link RetentionSettings}; each kind off until its age is set): finished jobs past
 * their age go with everything they own, files no job has used for their age go (their finished
 * jobs stay, without them), and event logs of jobs finished long enough ago are trimmed to their
 * final state. One batch per kind per step, again at once while a batch was full. Safe on every
 * node at once: each removal re-checks its condition in the statement that removes, so a second
 * node removes nothing twice (and counts only what it removed).
 */
@Component
class RetentionSweeper extends Loop {

    private static final Logger log = LoggerFactory.getLogger(RetentionSweeper.class);

    private final Database db;
    private final Clock clock;
    private final RetentionSettings settings;
    private final JobDeletion jobs;
    private final Deletions deletions;
    private final EventLog events;
    private final StorageSweeper storage;
    private final FileCatalog files;
    private final Counter jobsRemoved;
    private final Counter filesRemoved;
    private final Counter eventsRemoved;

    RetentionSweeper(
            Database db,
            Clock clock,
            RetentionSettings settings,
            JobDeletion jobs,
            Deletions deletions,
            EventLog events,
            StorageSweeper storage,
            FileCatalog files,
            MeterRegistry registry) {
        super("kiln-retention", settings.interval());
        this.db = db;
        this.clock = clock;
        this.settings = settings;
        this.jobs = jobs;
        this.deletions = deletions;
        this.events = events;
        this.storage = storage;
        this.files = files;
        this.jobsRemoved = removed(registry, "jobs");
        this.filesRemoved = removed(registry, "files");
        this.eventsRemoved = removed(registry, "events");
    }

    private static Counter removed(MeterRegistry registry, String kind) {
        return Counter.builder("kiln.retention.removed")
                .description(
                        "What retention removed: finished jobs, unused files, and events trimmed from finished jobs' logs")
                .tag("kind", kind)
                .register(registry);
    }

    /** What one step removed. */
    record Removed(int jobs, int files, int events) {}

    @Override
    protected boolean step() {
        Removed removed = sweep();
        int batch = settings.batchSize();
        return removed.jobs() == batch || removed.files() == batch || removed.events() >= batch;
    }

    /** One batch of each kind that is on. */
    Removed sweep() {
        int jobCount = settings.jobs() == null ? 0 : removeJobs(cutoff(settings.jobs()));
        int fileCount = settings.files() == null ? 0 : removeFiles(cutoff(settings.files()));
        int eventCount =
                settings.events() == null ? 0 : events.trimFinished(cutoff(settings.events()), settings.batchSize());
        jobsRemoved.increment(jobCount);
        filesRemoved.increment(fileCount);
        eventsRemoved.increment(eventCount);
        if (jobCount + fileCount + eventCount > 0) {
            log.info("Retention: {} job(s), {} file(s), {} event(s) removed", jobCount, fileCount, eventCount);
        }
        return new Removed(jobCount, fileCount, eventCount);
    }

    private long cutoff(Duration age) {
        return clock.millis() - age.toMillis();
    }

    private int removeJobs(long before) {
        List<String> hashes = new ArrayList<>();
        Set<String> deleted = db.write(() -> {
            List<String> ids = jobs.finishedBefore(before, settings.batchSize());
            if (!ids.isEmpty()) {
                // Their result files' content, read first: releasing content a job that stayed still uses is harmless.
                hashes.addAll(db.sql()
                        .sql("SELECT sha256 FROM job_files WHERE job_id IN (:ids)")
                        .param("ids", ids)
                        .query(String.class)
                        .list());
            }
            return jobs.deleteFinished(ids, before);
        });
        release(hashes);
        return deleted.size();
    }

    private int removeFiles(long since) {
        List<String> ids = deletions.unusedSince(since, settings.batchSize());
        List<String> hashes = new ArrayList<>();
        int removed = 0;
        for (FileInfo file : files.findByIds(ids).values()) {
            if (deletions.deleteRowsIfUnused(file.id(), since)) {
                hashes.add(file.sha256());
                removed++;
            }
        }
        release(hashes);
        return removed;
    }

    private void release(Collection<String> hashes) {
        if (!hashes.isEmpty()) {
            storage.release(hashes);
        }
    }
}
